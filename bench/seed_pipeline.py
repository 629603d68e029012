#!/usr/bin/env python3
"""The pandas + scikit-learn pipeline the project's seed notebooks describe, as the speed
baseline for `netsleuth detect` on a CloudWatch-schema CSV (our own code, same steps):

  read CSV -> parse creation_time/end_time -> session_duration (s) -> avg_packet_size =
  (bytes_in + bytes_out) / session_duration (0 when the duration is 0) -> IsolationForest
  (contamination=0.05, random_state=42) per event on [bytes_in, bytes_out, session_duration,
  avg_packet_size] -> groupby src_ip aggregates -> IsolationForest per source on those.

Prints the wall time of each step and the total (also as `TOTAL <seconds>` on the last line).
Usage: bench/seed_pipeline.py FILE (a CSV, or a Parquet file or folder)
"""
import pathlib
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

EVENT_FEATURES = ["bytes_in", "bytes_out", "session_duration", "avg_packet_size"]


def main(path: str) -> None:
    t = [time.perf_counter()]
    steps = []

    def mark(name: str) -> None:
        t.append(time.perf_counter())
        steps.append((name, t[-1] - t[-2]))

    # A folder (or file) of Parquet, as a data lake holds the log; else a CSV.
    if pathlib.Path(path).is_dir() or path.endswith(".parquet"):
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path)
    mark("read")

    df["creation_time"] = pd.to_datetime(df["creation_time"])
    df["end_time"] = pd.to_datetime(df["end_time"])
    df["session_duration"] = (df["end_time"] - df["creation_time"]).dt.total_seconds()
    df["avg_packet_size"] = ((df["bytes_in"] + df["bytes_out"])
                             / df["session_duration"].replace(0, np.nan)).fillna(0)
    feats = df[EVENT_FEATURES].copy()
    feats = feats.fillna(feats.mean())
    mark("features")

    # fit_predict as in the seeds, but keeping the continuous score: fit (which already scores
    # the training rows to set offset_) and one scoring pass, like fit + predict.
    ev_model = IsolationForest(contamination=0.05, random_state=42).fit(feats)
    score = ev_model.score_samples(feats)
    df["anomaly"] = np.where(score < ev_model.offset_, -1, 1)
    df["anomaly_score"] = -score
    mark("event forest")

    df["hour"] = df["creation_time"].dt.hour
    df["flagged"] = df["anomaly"] == -1
    src = df.groupby("src_ip").agg(
        request_count=("bytes_in", "size"),
        total_bytes_in=("bytes_in", "sum"),
        total_bytes_out=("bytes_out", "sum"),
        avg_bytes_in=("bytes_in", "mean"),
        avg_bytes_out=("bytes_out", "mean"),
        max_bytes_in=("bytes_in", "max"),
        avg_session_duration=("session_duration", "mean"),
        avg_packet_size=("avg_packet_size", "mean"),
        active_hours=("hour", "nunique"),
        anomalous_events=("flagged", "sum"),
    )
    mark("source aggregates")

    src_model = IsolationForest(contamination=0.05, random_state=42)
    src["anomaly"] = src_model.fit_predict(src.fillna(0))
    mark("source forest")

    for name, secs in steps:
        print(f"  {name:<18} {secs:8.3f} s")
    print(f"{len(df)} events, {int((df['anomaly'] == -1).sum())} flagged; {len(src)} sources, "
          f"{int((src['anomaly'] == -1).sum())} flagged")
    print(f"TOTAL {t[-1] - t[0]:.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
