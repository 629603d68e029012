#!/usr/bin/env python3
"""Compares two events_scored.csv files, an in-memory run's and a streaming run's, line by line.

Reports how many lines are identical, checks that every event has the same fields (before the
scores) and the same robust z and burst scores, and reports the share of verdicts alike and the
largest forest difference (each run trains its own forest). Exits 1 when the fields or the exact
scores differ. Standard library only.

Usage: bench/compare_events.py MEMORY.csv STREAMED.csv
"""
import csv
import sys


def main(memory, streamed):
    with open(memory, newline="") as a, open(streamed, newline="") as b:
        ra, rb = csv.reader(a), csv.reader(b)
        header = next(ra)
        if next(rb) != header:
            print("headers differ")
            return 1
        score, flagged = header.index("score"), header.index("flagged")
        exact = [header.index(c) for c in ("robust_z", "burst") if c in header]
        forest = header.index("forest") if "forest" in header else None
        lines = identical = alike = 0
        worst = 0.0
        for x, y in zip(ra, rb):
            lines += 1
            identical += x == y
            if x[:score] != y[:score] or any(x[i] != y[i] for i in exact):
                print(f"line {lines + 1} differs beyond the forest:\n  {x}\n  {y}")
                return 1
            alike += x[flagged] == y[flagged]
            if forest is not None:
                worst = max(worst, abs(float(x[forest]) - float(y[forest])))
        if next(ra, None) is not None or next(rb, None) is not None:
            print("the files differ in length")
            return 1
    print(
        f"  events_scored.csv: {lines} events, same fields, robust z and burst; "
        f"{identical} lines identical; verdicts alike {100 * alike / lines:.2f}%; "
        f"largest forest difference {worst:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
