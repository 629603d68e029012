#!/usr/bin/env python3
"""The reference implementations of netsleuth's detector families, run on the very matrix
netsleuth scored (tests/references.rs writes it): PyOD's ECOD and HBOS with their defaults,
and scikit-learn's DBSCAN on netsleuth's sample and eps.

The matrix is little-endian float64, column after column (ROWS values each). For every detector
named, ROWS scores (PyOD's decision_scores_ after fit on the matrix) are written to OUT, one
block after another in the order named, little-endian float64. With --labels (one byte per row,
1 malicious), it also prints each detector's ROC-AUC (scikit-learn) and its time.

With --dbscan SAMPLE EPS CHECK DBOUT (SAMPLE and CHECK: little-endian uint64 row numbers),
DBSCAN(eps=EPS, min_samples=5) is fitted on the SAMPLE rows, and DBOUT gets, as float64: the
silhouette of the clustered sample points (noise left out; NaN under two clusters), the number
of core points, their positions in the sample, then the distance of each CHECK row to its
nearest core point (exact differences, not the dot-product expansion).

With --lof SAMPLE LOFOUT, LocalOutlierFactor(n_neighbors=20, novelty=True) is fitted on the
SAMPLE rows and LOFOUT gets every row's outlier factor (-score_samples), float64.

With --learned SAMPLE (and --labels), the learned families are fitted on the SAMPLE rows and
score every row: OneClassSVM(kernel="rbf", gamma="scale", nu=0.1) (-decision_function), and an
MLPRegressor(hidden_layer_sizes=(8,), max_iter=1000, tol=1e-6, n_iter_no_change=50) fitted on
X -> X with random_state 0 to 4 (mean squared reconstruction error). One JSON line goes to
stdout: {"ocsvm": AUC, "ocsvm_support": N, "autoencoder": [AUC per seed]}.

Usage: bench/references.py MATRIX ROWS COLS OUT --detectors ecod,hbos [--labels FILE]
           [--dbscan SAMPLE EPS CHECK DBOUT] [--lof SAMPLE LOFOUT] [--learned SAMPLE]
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
    p.add_argument("--dbscan", nargs=4, metavar=("SAMPLE", "EPS", "CHECK", "DBOUT"))
    p.add_argument("--lof", nargs=2, metavar=("SAMPLE", "LOFOUT"))
    p.add_argument("--learned", metavar="SAMPLE")
    a = p.parse_args()
    x = np.fromfile(a.matrix, dtype="<f8").reshape(a.cols, a.rows).T.copy()
    labels = None
    if a.labels:
        labels = np.fromfile(a.labels, dtype=np.uint8)
    with open(a.out, "wb") as out:
        for name in filter(None, a.detectors.split(",")):
            t = time.perf_counter()
            scores = detector(name).fit(x).decision_scores_.astype("<f8")
            elapsed = time.perf_counter() - t
            out.write(scores.tobytes())
            if labels is not None and 0 < labels.sum() < len(labels):
                from sklearn.metrics import roc_auc_score
                auc = roc_auc_score(labels, scores)
                print(f"{name}\t{auc:.6f}\t{elapsed:.3f}s")
    if a.dbscan:
        dbscan(x, *a.dbscan)
    if a.lof:
        lof(x, *a.lof, labels)
    if a.learned:
        learned(x, a.learned, labels)


def learned(x, sample_file, labels):
    import json
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import roc_auc_score
    from sklearn.neural_network import MLPRegressor
    from sklearn.svm import OneClassSVM

    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    s = x[np.fromfile(sample_file, dtype="<u8").astype(np.intp)]
    svm = OneClassSVM(kernel="rbf", gamma="scale", nu=0.1).fit(s)
    out = {"ocsvm": roc_auc_score(labels, -svm.decision_function(x)),
           "ocsvm_support": int(len(svm.support_)), "autoencoder": []}
    for seed in range(5):
        net = MLPRegressor(hidden_layer_sizes=(8,), max_iter=1000, tol=1e-6,
                           n_iter_no_change=50, random_state=seed).fit(s, s)
        err = ((net.predict(x) - x) ** 2).mean(axis=1)
        out["autoencoder"].append(roc_auc_score(labels, err))
    print(json.dumps(out))


def lof(x, sample_file, out_file, labels):
    from sklearn.neighbors import LocalOutlierFactor

    sample = np.fromfile(sample_file, dtype="<u8").astype(np.intp)
    t = time.perf_counter()
    model = LocalOutlierFactor(n_neighbors=20, novelty=True).fit(x[sample])
    scores = -model.score_samples(x)
    elapsed = time.perf_counter() - t
    scores.astype("<f8").tofile(out_file)
    if labels is not None and 0 < labels.sum() < len(labels):
        from sklearn.metrics import roc_auc_score
        print(f"lof\t{roc_auc_score(labels, scores):.6f}\t{elapsed:.3f}s")


def dbscan(x, sample_file, eps, check_file, out_file):
    from sklearn.cluster import DBSCAN
    from sklearn.metrics import silhouette_score

    sample = np.fromfile(sample_file, dtype="<u8").astype(np.intp)
    check = np.fromfile(check_file, dtype="<u8").astype(np.intp)
    s = x[sample]
    db = DBSCAN(eps=float(eps), min_samples=5).fit(s)
    core = db.core_sample_indices_
    labels = db.labels_
    keep = labels != -1
    sil = (silhouette_score(s[keep], labels[keep]) if len(set(labels[keep])) >= 2
           else float("nan"))
    cores = s[core]
    dist = np.empty(len(check))
    for i in range(0, len(check), 256):
        chunk = x[check[i:i + 256]]
        if len(cores) == 0:
            dist[i:i + 256] = 0.0
            continue
        d = np.sqrt(((chunk[:, None, :] - cores[None, :, :]) ** 2).sum(axis=2))
        dist[i:i + 256] = d.min(axis=1)
    out = np.concatenate([[sil, len(core)], core.astype(float), dist]).astype("<f8")
    out.tofile(out_file)


if __name__ == "__main__":
    main()
