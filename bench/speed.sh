#!/usr/bin/env bash
# Speed benchmark: `netsleuth detect` (release build, model cache off) against the seeds'
# pandas + scikit-learn pipeline (bench/seed_pipeline.py) on the same CloudWatch-schema CSVs of
# 1,000,000 and 5,000,000 rows made by the scale-test generator bench/generate_cloudwatch.py.
# For each size: wall clock, best of RUNS (default 3, interleaved), netsleuth's per-phase
# timings, peak RSS (the largest of the runs) of both. Then one table of every size, the
# speed ratios, and how each phase grew from the first size to the last.
# Usage: bench/speed.sh                       (RUNS=5 SIZES="1000000 2000000" bench/speed.sh)
#        NETSLEUTH_BIN=/path/to/netsleuth bench/speed.sh   (benchmark that binary, no build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
runs=${RUNS:-3}
sizes=${SIZES:-${ROWS:-1000000 5000000}}
mkdir -p "$out"
if [ -n "${NETSLEUTH_BIN:-}" ]; then
  bin=$NETSLEUTH_BIN
else
  cargo build --release --quiet
  bin=target/release/netsleuth
fi
export NETSLEUTH_CACHE_DIR=""
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
. bench/timing.sh
phases="read features train score reasons write"
summary=$out/speed-summary.txt
: > "$summary"

for rows in $sizes; do
  file=$out/cloudwatch-$((rows / 1000))k.csv
  [ -s "$file" ] || python3 bench/generate_cloudwatch.py "$file" --rows "$rows"
  size=$(stat -c %s "$file")
  best_ns="" best_ns_rss=0 best_py="" best_py_rss=0
  echo "== $file: $rows rows, $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }')"
  # The two are interleaved so that both see the same background load.
  for i in $(seq "$runs"); do
    sync
    run_timed ns netsleuth "$i" "$out/detect-run.txt" "$out/detect-best-$rows.txt" \
      "$bin" detect "$file" --out "$out/detect" --timings
    run_timed py python "$i" "$out/python-run.txt" "$out/python-best-$rows.txt" \
      python3 bench/seed_pipeline.py "$file"
  done
  echo "netsleuth: $(head -1 "$out/detect-best-$rows.txt")"
  echo "python:    $(grep -E 'events, .* flagged' "$out/python-best-$rows.txt")"
  echo "python steps (best run):"
  grep -E '^  ' "$out/python-best-$rows.txt"
  # One line per size: rows, bytes, both times and RSS, then netsleuth's phases.
  line="$rows $size $best_ns $best_ns_rss $best_py $best_py_rss"
  for p in $phases; do
    line="$line $(awk -v p="$p" '$1 == p && NF == 3 { print $2 }' "$out/detect-best-$rows.txt")"
  done
  echo "$line" >> "$summary"
  echo
done

echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both)"
echo "binary: $bin ($(nproc) cores), best of $runs runs, peak RSS the largest of the runs"
awk -v phases="$phases" 'BEGIN {
  n = split(phases, ph, " ")
  printf "%9s %8s | %9s %12s | %9s %12s | %6s | %6s", "rows", "file MB", "netsleuth", "RSS (xfile)",
    "python", "RSS (xfile)", "ratio", "-write"
  for (i = 1; i <= n; i++) printf " %8s", ph[i]
  printf "\n"
}
{
  w = $(6 + 6)
  printf "%9d %8.1f | %8.2fs %6.0fMB %4.2fx | %8.2fs %6.0fMB %4.2fx | %5.1fx | %5.1fx",
    $1, $2 / 1e6, $3, $4 / 1024, $4 * 1024 / $2, $5, $6 / 1024, $6 * 1024 / $2, $5 / $3, $5 / ($3 - w)
  for (i = 1; i <= n; i++) printf " %8.3f", $(6 + i)
  printf "\n"
  rows[NR] = $1; for (i = 1; i <= n; i++) t[NR, i] = $(6 + i); total[NR] = $3
}
END {
  if (NR < 2) exit
  printf "growth from %d to %d rows (%.1fx the rows): total %.2fx;", rows[1], rows[NR], rows[NR] / rows[1], total[NR] / total[1]
  for (i = 1; i <= n; i++) printf " %s %.2fx", ph[i], (t[1, i] > 0 ? t[NR, i] / t[1, i] : 0)
  printf "\n"
}' "$summary"
echo "(ratio: python / netsleuth wall clock; -write: the same without netsleuth's write phase, as"
echo " the Python pipeline writes nothing while netsleuth writes three CSVs, one row per event)"
