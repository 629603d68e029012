#!/usr/bin/env python3
"""The reference implementations of netsleuth's detector families, run on the very matrix
netsleuth scored (tests/references.rs writes it): PyOD's ECOD and HBOS with their defaults.

The matrix is little-endian float64, column after column (ROWS values each). For every detector
named, ROWS scores (PyOD's decision_scores_ after fit on the matrix) are written to OUT, one
block after another in the order named, little-endian float64. With --labels (one byte per row,
1 malicious), it also prints each detector's ROC-AUC (scikit-learn) and its time.

Usage: bench/references.py MATRIX ROWS COLS OUT --detectors ecod,hbos [--labels FILE]
Runs in target/references-venv (scripts/install-references).
"""
import argparse
import sys
import time

import numpy as np


def detector(name):
    if name == "ecod":
        from pyod.models.ecod import ECOD
        return ECOD()
    if name == "hbos":
        from pyod.models.hbos import HBOS
        return HBOS()
    sys.exit(f"unknown detector {name}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("matrix")
    p.add_argument("rows", type=int)
    p.add_argument("cols", type=int)
    p.add_argument("out")
    p.add_argument("--detectors", default="ecod,hbos")
    p.add_argument("--labels")
    a = p.parse_args()
    x = np.fromfile(a.matrix, dtype="<f8").reshape(a.cols, a.rows).T.copy()
    labels = None
    if a.labels:
        labels = np.fromfile(a.labels, dtype=np.uint8)
    with open(a.out, "wb") as out:
        for name in a.detectors.split(","):
            t = time.perf_counter()
            scores = detector(name).fit(x).decision_scores_.astype("<f8")
            elapsed = time.perf_counter() - t
            out.write(scores.tobytes())
            if labels is not None and 0 < labels.sum() < len(labels):
                from sklearn.metrics import roc_auc_score
                auc = roc_auc_score(labels, scores)
                print(f"{name}\t{auc:.6f}\t{elapsed:.3f}s")


if __name__ == "__main__":
    main()
