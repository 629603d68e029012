#!/usr/bin/env python3
"""Leave-one-dataset-out choice of netsleuth's default detector combination.

For every labelled real data set in ../shared/data, the anomaly-detection benchmark variant of
bench/quality.py (every benign row, attacks subsampled to 5%, seeded) is scored by
`netsleuth detect --json` with every candidate combination of detector families (`--detectors`,
each with the percentile rules and bursts, which work on sources and add nothing per event), and
by scikit-learn's IsolationForest (mean of 5 seeds, bench/quality.py's baseline).

Then each set is held out in turn: the combination is chosen on the other sets alone, by the
highest mean ROC-AUC over them, and scored on the held-out set it never saw. The table shows
each held-out set, the combination chosen without it, its ROC-AUC there and scikit-learn's.
The product's default is the combination the same rule picks on all sets; the script says
whether every held-out choice agrees with it.

Candidates: every combination of one to three of the model families forest, robust_z, ecod,
hbos, lof, ocsvm, autoencoder and dbscan (92). netsleuth's forest is unseeded: each candidate runs
once per set, with the model cache off, then the four leading candidates of every choice are run
RUNS times (5) and scored by their mean.

Usage: bench/choose_default.py [--families forest,robust_z,...] [--most 3] [--runs 5]
                               [--reuse | --table-only]
Writes bench/out/choose_default.json. Runs in target/references-venv (scripts/install-references);
NETSLEUTH_BIN picks another binary than target/release/netsleuth.
"""
import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402

ROOT = quality.ROOT
OUT = ROOT / "bench/out"
FAMILIES = ["forest", "robust_z", "ecod", "hbos", "lof", "ocsvm", "autoencoder", "dbscan"]
ALWAYS = ["burst", "rules"]


def detect(path: Path, families, outdir: Path) -> float:
    env = dict(os.environ, NETSLEUTH_CACHE_DIR="")
    r = subprocess.run([str(quality.BIN), "detect", str(path), "--json", "--out", str(outdir),
                        "--detectors", ",".join(list(families) + ALWAYS)],
                       env=env, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{path}: netsleuth failed: {r.stderr.strip()[-300:]}")
    return json.loads(r.stdout)["evaluation"]["event"]["default"]["roc_auc"]


def choose(aucs: dict, sets) -> tuple:
    """The combination with the highest mean ROC-AUC over `sets`."""
    return max(aucs[sets[0]], key=lambda c: float(np.mean([aucs[s][c] for s in sets])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--most", type=int, default=3, help="most families in a combination")
    ap.add_argument("--runs", type=int, default=5,
                    help="runs averaged for the leading combinations (the forest is unseeded)")
    ap.add_argument("--reuse", action="store_true",
                    help="take the single runs from the last bench/out/choose_default.json")
    ap.add_argument("--table-only", action="store_true",
                    help="make the tables from the last run's bench/out/choose_default.json")
    a = ap.parse_args()
    families = a.families.split(",")
    combos = [c for k in range(1, a.most + 1) for c in itertools.combinations(families, k)]
    aucs, sk = {}, {}
    if a.table_only or a.reuse:
        last = json.loads((OUT / "choose_default.json").read_text())
        sk = last["sklearn"]
        aucs = {s: {tuple(c.split("+")): v for c, v in d.items()} for s, d in last["aucs"].items()}
        combos = list(aucs[next(iter(aucs))])
    elif not quality.BIN.exists():
        sys.exit(f"{quality.BIN} missing: run cargo build --release")
    qdir = OUT / "quality"
    qdir.mkdir(parents=True, exist_ok=True)
    for name, rel, header, label_col, extra, _ids, outname in quality.SETS:
        if a.table_only or a.reuse:
            break
        t = time.perf_counter()
        path = qdir / outname
        sub, y, _ = quality.write_variant(rel, header, label_col, path)
        x, _ = quality.features(sub, [label_col] + extra)
        sk[name] = quality.sklearn_auc(x, y)[0]
        aucs[name] = {c: detect(path, c, qdir / f"choose-{name}") for c in combos}
        print(f"{name}: {len(combos)} combinations in {time.perf_counter() - t:.0f} s",
              file=sys.stderr)
    names = [s[0] for s in quality.SETS]
    # The forest's trees are unseeded: one run moves a combination's AUC by up to 0.002, as
    # much as separates the leaders. The four leading combinations of every choice below
    # (each fold's and all sets') are run RUNS times and their mean replaces the first run.
    folds = [[s for s in names if s != h] for h in names] + [names]
    leaders = sorted({c for f in folds for c in sorted(
        aucs[names[0]], key=lambda c: -float(np.mean([aucs[s][c] for s in f])))[:4]})
    single = {s: {"+".join(c): aucs[s][c] for c in leaders} for s in names}
    if not a.table_only:
        for name, _rel, _h, _l, _e, _i, outname in quality.SETS:
            for c in leaders:
                more = [detect(qdir / outname, c, qdir / f"choose-{name}") for _ in range(a.runs - 1)]
                aucs[name][c] = float(np.mean([aucs[name][c]] + more))
        print(f"leaders averaged over {a.runs} runs: " + "; ".join("+".join(c) for c in leaders),
              file=sys.stderr)
    overall = choose(aucs, names)
    rows = []
    for held in names:
        others = [s for s in names if s != held]
        c = choose(aucs, others)
        rows.append({"held_out": held, "chosen": list(c), "auc": aucs[held][c],
                     "sklearn": sk[held], "margin": aucs[held][c] - sk[held],
                     "best_possible": max(aucs[held].values())})
    print("| held-out set | chosen on the other five | its ROC-AUC there | sklearn IF | margin "
          "| best combination there |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['held_out']} | {' + '.join(r['chosen'])} | {r['auc']:.3f} | {r['sklearn']:.3f} "
              f"| {r['margin']:+.3f} | {r['best_possible']:.3f} |")
    print(f"\nchosen on all six: {' + '.join(overall)}: "
          + ", ".join(f"{s} {aucs[s][overall]:.3f}" for s in names))
    agree = all(tuple(r["chosen"]) == overall for r in rows)
    print("every held-out choice agrees" if agree else "held-out choices differ")
    top = sorted(combos, key=lambda c: -float(np.mean([aucs[s][c] for s in names])))[:10]
    print("\nten best by mean ROC-AUC on all sets:")
    for c in top:
        print(f"  {' + '.join(c):<32} " + " ".join(f"{aucs[s][c]:.3f}" for s in names)
              + f"  worst {min(aucs[s][c] - sk[s] for s in names):+.3f}")
    (OUT / "choose_default.json").write_text(json.dumps({
        "sklearn": sk, "overall": list(overall), "held_out": rows,
        "leaders": ["+".join(c) for c in leaders], "runs": a.runs,
        "single": single,
        "aucs": {s: {"+".join(c): v for c, v in d.items()} for s, d in aucs.items()},
    }, indent=2) + "\n")


if __name__ == "__main__":
    main()
