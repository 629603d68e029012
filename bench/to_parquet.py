#!/usr/bin/env python3
"""A CSV as a folder of Parquet files, as a data lake holds a log: streamed through pyarrow's
CSV reader (never whole in memory), typed as pyarrow infers them, cut into files of --rows rows
(row groups of 65,536), named part-00000.parquet and on, zstd-compressed.

Usage: bench/to_parquet.py CSV FOLDER [--rows 2000000]
"""
import argparse
import pathlib

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("csv")
    ap.add_argument("folder")
    ap.add_argument("--rows", type=int, default=2_000_000)
    args = ap.parse_args()
    out = pathlib.Path(args.folder)
    out.mkdir(parents=True, exist_ok=True)
    reader = pacsv.open_csv(args.csv, read_options=pacsv.ReadOptions(block_size=64 << 20))
    writer, part, in_part, total = None, 0, 0, 0
    for batch in reader:
        start = 0
        while start < batch.num_rows:
            if writer is None:
                writer = pq.ParquetWriter(out / f"part-{part:05}.parquet", reader.schema,
                                          compression="zstd")
            take = min(batch.num_rows - start, args.rows - in_part)
            writer.write_table(pa.Table.from_batches([batch.slice(start, take)]),
                               row_group_size=65_536)
            start += take
            in_part += take
            total += take
            if in_part == args.rows:
                writer.close()
                writer, part, in_part = None, part + 1, 0
    if writer is not None:
        writer.close()
        part += 1
    print(f"{total} rows in {part} files under {out}")


if __name__ == "__main__":
    main()
