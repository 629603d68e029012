#!/usr/bin/env python3
"""SCALE-TEST GENERATOR (synthetic data): writes an N-row CSV in the exact schema and header
of the real AWS CloudWatch web-attack sample
(../shared/data/cloudwatch/CloudWatch_Traffic_Web_Attack.csv, 282 rows), for benchmarking.

The rows are synthetic. Every value is drawn from the real sample:
  * sources: each synthetic source clones the profile of one real src_ip (picked in proportion
    to its real row count). The first clone of a profile keeps the real address; the others
    get a new address in the same /16, with the real source's country code.
  * each row resamples one real row of its source's profile: bytes_in/bytes_out jointly (times
    a log-normal jitter, sigma 0.15), and protocol, response.code, dst_port, dst_ip, rule_names,
    observation_name, source.meta, source.name and detection_types unchanged.
  * times: the real 10-minute windows (end_time = creation_time + 10 min, time = creation_time),
    spread uniformly over --days days starting at the real first window; rows are sorted by time.
  * per-source activity (rows per source) is heavy-tailed: a real source's row count times a
    Pareto factor.
It is seeded (--seed), so the same arguments give byte-identical output.

Usage: bench/generate_cloudwatch.py OUT [--rows 1000000] [--sources 10000] [--days 30] [--seed 7]
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REAL = Path(__file__).resolve().parent.parent.parent / "shared/data/cloudwatch/CloudWatch_Traffic_Web_Attack.csv"
# Rows made into lines and written at a time.
PART = 1_000_000
WINDOW_S = 600


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--sources", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--real", default=str(REAL), help="the real sample to draw values from")
    a = ap.parse_args()
    t0 = time.perf_counter()
    rng = np.random.default_rng(a.seed)

    header = Path(a.real).read_text().split("\n", 1)[0]
    real = pd.read_csv(a.real, dtype=str, keep_default_na=False)
    cols = list(real.columns)
    assert header == ",".join(cols), "unexpected header in the real sample"
    nreal = len(real)

    # Real source profiles: rows of each real src_ip, its country, its row count.
    prof_ips = real["src_ip"].unique()
    prof_of_row = pd.Index(prof_ips).get_indexer(real["src_ip"])
    prof_rows = [np.flatnonzero(prof_of_row == p) for p in range(len(prof_ips))]
    prof_count = np.array([len(r) for r in prof_rows], dtype=float)

    # Synthetic sources: a profile each, an address in the profile's /16, an activity weight.
    ns = a.sources
    src_prof = rng.choice(len(prof_ips), size=ns, p=prof_count / prof_count.sum())
    src_prof[: len(prof_ips)] = np.arange(len(prof_ips))  # every real profile is used
    ips = []
    seen = set(prof_ips)
    first = set()
    for s in range(ns):
        p = src_prof[s]
        if p not in first:
            first.add(p)
            ips.append(prof_ips[p])
            continue
        a1, a2 = prof_ips[p].split(".")[:2]
        while True:
            ip = f"{a1}.{a2}.{rng.integers(0, 256)}.{rng.integers(1, 255)}"
            if ip not in seen:
                seen.add(ip)
                ips.append(ip)
                break
    country = real.groupby("src_ip")["src_ip_country_code"].first()
    src_block = np.array([f"{ip},{country[prof_ips[p]]}" for ip, p in zip(ips, src_prof)], dtype=object)
    weight = prof_count[src_prof] * (rng.pareto(1.5, ns) + 1.0)
    src = rng.choice(ns, size=a.rows, p=weight / weight.sum())

    # Each row resamples a real row of its source's profile.
    offs = np.array([0] + [len(r) for r in prof_rows]).cumsum()
    flat = np.concatenate(prof_rows)
    prof = src_prof[src]
    k = (rng.random(a.rows) * prof_count[prof]).astype(np.int64)
    row = flat[offs[prof] + k]

    jitter = np.exp(rng.normal(0.0, 0.15, size=(2, a.rows)))
    bi = np.maximum(1, np.rint(real["bytes_in"].astype(np.int64).to_numpy()[row] * jitter[0])).astype(np.int64)
    bo = np.maximum(1, np.rint(real["bytes_out"].astype(np.int64).to_numpy()[row] * jitter[1])).astype(np.int64)

    # 10-minute windows over --days days, starting at the real first window; sorted by time.
    start = pd.Timestamp(real["creation_time"].min())
    nwin = a.days * 24 * 3600 // WINDOW_S
    win = np.sort(rng.integers(0, nwin + 1, size=a.rows))
    stamps = (start + pd.to_timedelta(np.arange(nwin + 2) * WINDOW_S, unit="s")).strftime("%Y-%m-%dT%H:%M:%SZ")
    stamps = np.asarray(stamps, dtype=object)

    # Middle columns (protocol .. source.name) and the tail (detection_types) from the real row.
    mid_cols = cols[cols.index("protocol"): cols.index("time")]
    real_mid = real[mid_cols].agg(",".join, axis=1).to_numpy(dtype=object)
    real_tail = real[cols[cols.index("time") + 1:]].agg(",".join, axis=1).to_numpy(dtype=object)
    assert cols[cols.index("time") + 1:] == ["detection_types"]

    # The lines are made and written a part at a time: tens of millions of them as Python
    # strings would not fit in memory (the draws above are whole, so the output is the same).
    with open(a.out, "w", newline="") as f:
        f.write(header + "\n")
        for lo in range(0, a.rows, PART):
            part = slice(lo, min(lo + PART, a.rows))
            ct = stamps[win[part]]
            et = stamps[win[part] + 1]
            line = (pd.Series(bi[part].astype(str), dtype=object) + ","
                    + bo[part].astype(str).astype(object) + "," + ct + "," + et + ","
                    + src_block[src[part]] + "," + real_mid[row[part]] + "," + ct + ","
                    + real_tail[row[part]])
            f.write("\n".join(line.tolist()))
            f.write("\n")

    size = Path(a.out).stat().st_size
    print(f"scale-test generator (synthetic rows drawn from the real CloudWatch sample): wrote {a.out}: "
          f"{a.rows} rows, {size / 1e6:.1f} MB, {ns} sources, {a.days} days of 10-minute windows, "
          f"seed {a.seed}, {time.perf_counter() - t0:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
