#!/usr/bin/env python3
"""Detection-quality benchmark: netsleuth against a plain scikit-learn IsolationForest on every
labelled real data set in ../shared/data (the honeypot capture is all benign, so it is skipped).

For each set it builds the anomaly-detection benchmark variant: every benign row is kept and the
malicious rows are subsampled (seeded) to 5% of the result (all of them are kept when there are
fewer). The variant is written in the file's own format (the original lines, header or none,
same delimiter and columns, in file order; not gzipped) to bench/out/quality/.
Then, on the same rows:
  * netsleuth: `netsleuth detect FILE --json` with the model cache off (NETSLEUTH_CACHE_DIR=""),
    RUNS times (its forest's tree randomness is not seedable); ROC-AUC of evaluation.event.<d>
    for d in default, forest, robust_z, burst: mean over runs, and the min..max range; then once
    with `--detectors ecod,hbos,dbscan,lof,ocsvm,autoencoder` for the families outside the default
    (deterministic: the autoencoder trains from a fixed seed).
  * scikit-learn: IsolationForest(n_estimators=100, max_samples=256, random_state=s), fit on all
    rows, anomaly score = -score_samples, ROC-AUC; mean over seeds 0..4. Features: the file's
    numeric columns minus the label columns and KDD's difficulty ("sklearn"), and also without
    row ids and absolute timestamps ("sk-noid": CIC id, Zeek ts, UNSW Stime/Ltime).
    Missing values and infinities become 0.
With --diagnose, sklearn is also run on netsleuth-like preprocessing of the same columns
(log1p of non-negative columns with max > 1000, median/MAD scaling floored at half the standard
deviation, then PCA to 16 components as netsleuth's forest got on wide files before feature
bagging),
and the largest |z| of that scaling is scored on its own (netsleuth's robust_z).
Prints a table and writes it to bench/out/quality.json.
With --variants DIR, only writes the benchmark variants into DIR and stops (tests/references.rs).
Usage: bench/quality.py [--runs 3] [--only NAME,...] [--diagnose] [--variants DIR]
       (NETSLEUTH_BIN=/path/to/netsleuth to use another binary than target/release/netsleuth)
"""
import argparse
import datetime
import gzip
import io
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score

# IoT-23 44-1 has fewer than 256 rows: sklearn then uses them all and warns; that is expected.
warnings.filterwarnings("ignore", message="max_samples .* is greater than the total number")

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared/data"
OUT = ROOT / "bench/out"
BIN = Path(os.environ.get("NETSLEUTH_BIN", ROOT / "target/release/netsleuth"))
MAL_SHARE = 0.05
SUBSAMPLE_SEED = 20240425
SK_SEEDS = range(5)
DETECTORS = ["default", "forest", "robust_z", "burst"]
# Families outside the default ensemble, run once more with --detectors (deterministic).
FAMILIES = ["ecod", "hbos", "dbscan", "lof", "ocsvm", "autoencoder"]

# name, file, has header, label column (name or index), other label-like columns to exclude,
# id/timestamp columns (dropped in the sk-noid variant), output file name.
SETS = [
    ("nsl-kdd", "nsl-kdd/KDDTrain+_20Percent.txt", False, 41, [42], [], "nsl-kdd-anomaly5.txt"),
    ("kdd99-10pct", "kddcup99/kddcup.data_10_percent.gz", False, 41, [], [], "kdd99-10pct-anomaly5.data"),
    ("unsw-nb15", "unsw-nb15/unsw-nb15_1_sampled.csv", True, "label", [], ["Stime", "Ltime"],
     "unsw-nb15-anomaly5.csv"),
    ("cic-ids2017", "cic-ids2017/cicids2017_improved_sample_mixed.csv", True, "Label",
     ["Attempted Category"], ["id"], "cic-ids2017-improved-anomaly5.csv"),
    ("iot23-8-1", "iot-23/CTU-Malware-Capture-8-1-labeled.csv", True, "label", ["detailed-label"],
     ["ts"], "iot23-8-1-anomaly5.csv"),
    ("iot23-44-1", "iot-23/CTU-Malware-Capture-44-1-labeled.csv", True, "label", ["detailed-label"],
     ["ts"], "iot23-44-1-anomaly5.csv"),
]


def is_malicious(label: pd.Series) -> np.ndarray:
    norm = label.astype(str).str.strip().str.rstrip(".").str.lower()
    return (~norm.isin(["normal", "benign"])).to_numpy()


def read_lines(path: Path, header: bool):
    """The file's header line (if any), its data lines (raw bytes) and the same rows parsed."""
    raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    lines = raw.splitlines(keepends=True)
    head, body = (lines[:1], lines[1:]) if header else ([], lines)
    body = [ln for ln in body if ln.strip()]
    if body and not body[-1].endswith(b"\n"):
        body[-1] += b"\n"
    df = pd.read_csv(io.BytesIO(b"".join(head + body)), header=0 if header else None, low_memory=False)
    assert len(df) == len(body), f"{path}: {len(df)} parsed rows vs {len(body)} lines"
    return df, head, body


def write_variant(rel, header, label_col, out: Path):
    """Writes the benchmark variant of a set to OUT: every benign line, and malicious lines
    subsampled (seeded) to MAL_SHARE of the result. Returns the parsed rows of the variant, its
    labels and how many malicious rows the whole set has."""
    df, head, body = read_lines(DATA / rel, header)
    y_all = is_malicious(df[label_col])
    ben = np.flatnonzero(~y_all)
    mal = np.flatnonzero(y_all)
    want = int(round(len(ben) * MAL_SHARE / (1 - MAL_SHARE)))
    rng = np.random.default_rng(SUBSAMPLE_SEED)
    keep_mal = np.sort(rng.choice(mal, size=min(want, len(mal)), replace=False))
    keep = np.sort(np.concatenate([ben, keep_mal]))
    with open(out, "wb") as f:
        f.writelines(head)
        f.writelines(body[i] for i in keep)
    return df.iloc[keep].reset_index(drop=True), y_all[keep], len(mal)


def sklearn_auc(x: np.ndarray, y: np.ndarray):
    aucs = []
    for s in SK_SEEDS:
        f = IsolationForest(n_estimators=100, max_samples=256, random_state=s).fit(x)
        aucs.append(roc_auc_score(y, -f.score_samples(x)))
    return float(np.mean(aucs)), float(np.std(aucs))


def features(df: pd.DataFrame, drop) -> np.ndarray:
    num = df.drop(columns=drop).select_dtypes(include="number")
    num = num.replace([np.inf, -np.inf], np.nan).dropna(axis=1, how="all").fillna(0)
    return num.to_numpy(dtype=np.float64), list(num.columns)


def netsleuth_like(x: np.ndarray) -> np.ndarray:
    """The columns preprocessed the way netsleuth's event features are (see --diagnose)."""
    z = x.copy()
    for j in range(z.shape[1]):
        if z[:, j].min() >= 0 and z[:, j].max() > 1000:
            z[:, j] = np.log1p(z[:, j])
    z = z[:, [j for j in range(z.shape[1]) if np.unique(z[:, j]).size > 1]]
    med = np.median(z, axis=0)
    mad = np.median(np.abs(z - med), axis=0) * 1.4826
    scale = np.maximum(mad, 0.5 * z.std(axis=0))
    return (z - med) / np.where(scale > 1e-12, scale, 1.0)


def diagnose(x: np.ndarray, y: np.ndarray) -> dict:
    z = netsleuth_like(x)
    out = {"sk_log_robust": sklearn_auc(z, y)[0], "max_abs_z": float(roc_auc_score(y, np.abs(z).max(axis=1)))}
    if z.shape[1] > 16:
        out["sk_log_robust_pca16"] = sklearn_auc(PCA(16, random_state=0).fit_transform(z), y)[0]
    return out


def netsleuth(path: Path, runs: int, outdir: Path):
    env = dict(os.environ, NETSLEUTH_CACHE_DIR="")
    per = {d: [] for d in DETECTORS + FAMILIES}
    info = {}
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run([str(BIN), "detect", str(path), "--json", "--out", str(outdir)],
                           env=env, capture_output=True, text=True)
        secs = time.perf_counter() - t
        if r.returncode != 0:
            err = next((ln for ln in r.stderr.splitlines() if "panicked" in ln or "rror" in ln),
                       r.stderr.strip()[-200:])
            return {}, {"error": f"exit {r.returncode}: {err.strip()}", "labelled": None, "malicious": None}
        j = json.loads(r.stdout)
        ev = (j.get("evaluation") or {}).get("event") or {}
        info = {"format": j["files"][0].get("format"), "events": j["events"],
                "labelled": ev.get("items"), "malicious": ev.get("malicious"),
                "seconds": round(secs, 2)}
        for d in DETECTORS:
            if isinstance(ev.get(d), dict) and ev[d].get("roc_auc") is not None:
                per[d].append(ev[d]["roc_auc"])
    r = subprocess.run([str(BIN), "detect", str(path), "--json", "--out", str(outdir),
                        "--detectors", ",".join(FAMILIES)],
                       env=env, capture_output=True, text=True)
    if r.returncode == 0:
        ev = (json.loads(r.stdout).get("evaluation") or {}).get("event") or {}
        for d in FAMILIES:
            if isinstance(ev.get(d), dict) and ev[d].get("roc_auc") is not None:
                per[d] = [ev[d]["roc_auc"]]
    res = {d: {"mean": float(np.mean(v)), "min": float(min(v)), "max": float(max(v))}
           for d, v in per.items() if v}
    return res, info


def verdict(ns: float, sk: float) -> str:
    d = ns - sk
    return "beats" if d > 0.01 else "matches" if d >= -0.01 else "below"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="netsleuth runs per data set")
    ap.add_argument("--only", default="", help="comma-separated data set names")
    ap.add_argument("--diagnose", action="store_true", help="also score netsleuth-like preprocessing")
    ap.add_argument("--variants", help="only write the benchmark variants into this folder")
    a = ap.parse_args()
    if a.variants:
        Path(a.variants).mkdir(parents=True, exist_ok=True)
        for name, rel, header, label_col, _extra, _ids, outname in SETS:
            if not a.only or name in a.only.split(","):
                write_variant(rel, header, label_col, Path(a.variants) / outname)
                print(f"{name}\t{outname}")
        return
    if not BIN.exists():
        sys.exit(f"{BIN} missing: run cargo build --release")
    qdir = OUT / "quality"
    qdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, rel, header, label_col, extra, ids, outname in SETS:
        if a.only and name not in a.only.split(","):
            continue
        t0 = time.perf_counter()
        out = qdir / outname
        sub, y, available = write_variant(rel, header, label_col, out)

        label_cols = [label_col] + extra
        x, cols = features(sub, label_cols)
        sk, sk_sd = sklearn_auc(x, y)
        x2, cols2 = features(sub, label_cols + ids)
        sk2, _ = sklearn_auc(x2, y) if ids else (sk, sk_sd)
        ns, info = netsleuth(out, a.runs, qdir / f"detect-{name}")
        if "error" in info:
            print(f"error: {name}: netsleuth failed: {info['error']}", file=sys.stderr)
        elif info["labelled"] != len(y) or info["malicious"] != int(y.sum()):
            print(f"warning: {name}: netsleuth saw {info['labelled']} labelled / {info['malicious']} "
                  f"malicious, the variant has {len(y)} / {int(y.sum())}", file=sys.stderr)
        rows.append({
            "dataset": name, "file": str(out.relative_to(ROOT)), "source": rel,
            "rows": int(len(y)), "malicious": int(y.sum()), "malicious_share": float(y.mean()),
            "malicious_available": int(available),
            "sklearn_auc": sk, "sklearn_auc_std": sk_sd, "sklearn_features": len(cols),
            "sklearn_auc_no_ids": sk2, "sklearn_features_no_ids": len(cols2),
            "netsleuth": ns, "netsleuth_info": info,
            "verdict_default": verdict(ns["default"]["mean"], sk) if "default" in ns else "n/a",
            "best_detector": max(ns, key=lambda d: ns[d]["mean"]) if ns else None,
            "seconds": round(time.perf_counter() - t0, 1),
        })
        if a.diagnose:
            rows[-1]["diagnose"] = diagnose(x, y)
        print(f"{name}: done in {rows[-1]['seconds']} s", file=sys.stderr)

    hdr = (f"{'dataset':<12} {'rows':>7} {'malic.':>6} {'mal%':>5} {'sklearn':>8} {'sk-noid':>8} "
           + " ".join(f"{d:>9}" for d in DETECTORS + FAMILIES) + "  default vs sklearn")
    print(f"ROC-AUC (netsleuth: mean of {a.runs} runs, cache off; sklearn: mean of 5 seeds)")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        ns = r["netsleuth"]
        cells = " ".join(f"{ns[d]['mean']:9.3f}" if d in ns else f"{'-':>9}"
                         for d in DETECTORS + FAMILIES)
        diff = ns["default"]["mean"] - r["sklearn_auc"] if "default" in ns else float("nan")
        print(f"{r['dataset']:<12} {r['rows']:>7} {r['malicious']:>6} {100 * r['malicious_share']:>5.1f} "
              f"{r['sklearn_auc']:8.3f} {r['sklearn_auc_no_ids']:8.3f} {cells}  "
              + (f"netsleuth FAILED ({r['netsleuth_info']['error']})" if "error" in r["netsleuth_info"]
                 else f"{r['verdict_default']} ({diff:+.3f}); best {r['best_detector']}"))
    print("netsleuth run-to-run range (min..max): " + "; ".join(
        f"{r['dataset']} " + ", ".join(f"{d} {v['min']:.3f}..{v['max']:.3f}" for d, v in r["netsleuth"].items())
        for r in rows))
    if a.diagnose:
        print("diagnose: sklearn AUC on netsleuth-like preprocessing of the same columns")
        for r in rows:
            print(f"  {r['dataset']:<12} " + "  ".join(f"{k} {v:.3f}" for k, v in r["diagnose"].items()))
    meta = {"date": datetime.date.today().isoformat(), "netsleuth_bin": str(BIN),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores",
            "netsleuth_runs": a.runs, "sklearn_seeds": list(SK_SEEDS), "malicious_share_target": MAL_SHARE,
            "subsample_seed": SUBSAMPLE_SEED, "rows": rows}
    (OUT / "quality.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {(OUT / 'quality.json').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
