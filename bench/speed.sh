#!/usr/bin/env bash
# Speed benchmark: `netsleuth detect` (release build, model cache off) against the seeds'
# pandas + scikit-learn pipeline (bench/seed_pipeline.py) on the same 1,000,000-row
# CloudWatch-schema CSV made by the scale-test generator bench/generate_cloudwatch.py.
# Wall clock, best of RUNS (default 3, interleaved); netsleuth's per-phase timings; peak RSS
# (the largest of the runs) of both.
# Usage: bench/speed.sh            (RUNS=5 ROWS=2000000 bench/speed.sh to change)
#        NETSLEUTH_BIN=/path/to/netsleuth bench/speed.sh   (benchmark that binary, no build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
runs=${RUNS:-3}
rows=${ROWS:-1000000}
file=$out/cloudwatch-$((rows / 1000))k.csv
mkdir -p "$out"
if [ -n "${NETSLEUTH_BIN:-}" ]; then
  bin=$NETSLEUTH_BIN
else
  cargo build --release --quiet
  bin=target/release/netsleuth
fi
[ -s "$file" ] || python3 bench/generate_cloudwatch.py "$file" --rows "$rows"
size=$(stat -c %s "$file")
export NETSLEUTH_CACHE_DIR=""
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

best_ns="" best_ns_rss=0 best_py="" best_py_rss=0
# is_less A B: whether A < B (seconds, decimals).
is_less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
# The two are interleaved so that both see the same background load.
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %M %P" -o "$out/time.txt" \
    "$bin" detect "$file" --out "$out/detect" --timings > "$out/detect-run.txt"
  read -r secs kb cpu < "$out/time.txt"
  echo "netsleuth run $i: ${secs} s, CPU $cpu, peak RSS $((kb / 1024)) MB"
  [ "$kb" -gt "$best_ns_rss" ] && best_ns_rss=$kb
  if [ -z "$best_ns" ] || is_less "$secs" "$best_ns"; then
    best_ns=$secs
    cp "$out/detect-run.txt" "$out/detect-best.txt"
  fi
  /usr/bin/time -f "%e %M %P" -o "$out/time.txt" python3 bench/seed_pipeline.py "$file" > "$out/python-run.txt"
  read -r secs kb cpu < "$out/time.txt"
  echo "python    run $i: ${secs} s, CPU $cpu, peak RSS $((kb / 1024)) MB"
  [ "$kb" -gt "$best_py_rss" ] && best_py_rss=$kb
  if [ -z "$best_py" ] || is_less "$secs" "$best_py"; then
    best_py=$secs
    cp "$out/python-run.txt" "$out/python-best.txt"
  fi
done

echo
echo "load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows both)"
echo "binary: $bin"
echo "file: $file, $rows rows, $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }') ($(nproc) cores)"
awk -v n="$best_ns" -v p="$best_py" -v s="$size" -v nk="$best_ns_rss" -v pk="$best_py_rss" 'BEGIN {
  printf "netsleuth detect   %7.2f s  (%6.1f MB/s)  peak RSS %6.1f MB = %.2fx the file size\n", n, s/1e6/n, nk/1024, nk*1024/s
  printf "pandas + sklearn   %7.2f s  (%6.1f MB/s)  peak RSS %6.1f MB = %.2fx the file size\n", p, s/1e6/p, pk/1024, pk*1024/s
  printf "speed ratio        %7.1fx (python / netsleuth, wall clock, best of runs)\n", p/n }'
# The Python pipeline writes nothing; netsleuth writes three CSVs (events_scored.csv has a row
# per event). Also show netsleuth without its write phase.
awk -v n="$best_ns" -v p="$best_py" '/^  write / { w = $2 } END {
  printf "netsleuth without its write phase %.2f s: ratio %.1fx\n", n - w, p / (n - w) }' "$out/detect-best.txt"
echo "netsleuth phases (best run):"
grep -E '^  (read|features|train|score|reasons|evaluate|write) ' "$out/detect-best.txt"
echo "python steps (best run):"
grep -E '^  ' "$out/python-best.txt"
head -1 "$out/detect-best.txt"
grep -E 'events, .* flagged' "$out/python-best.txt"
