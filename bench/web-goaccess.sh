#!/usr/bin/env bash
# Web-log benchmark: `netsleuth detect` (release build, model cache off) and `netsleuth web`
# (the Web view's panels, every item, as JSON) against GoAccess
# (apt `goaccess`, 1.7 on Debian 12) parsing the same file into a JSON report, on a
# 1,000,000-line access log made from the real hackers-access.log (3,456 real lines; only their
# repetition is synthetic). Wall clock, best of RUNS (default 3, interleaved), peak RSS (the
# largest of the runs), and the ratio.
# Usage: bench/web-goaccess.sh   (RUNS=5 LINES=2000000 bench/web-goaccess.sh to change)
#        NETSLEUTH_BIN=/path/to/netsleuth bench/web-goaccess.sh   (benchmark that binary)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
runs=${RUNS:-3}
lines=${LINES:-1000000}
src=../shared/data/web-access-logs/hackers-access.log
file=$out/hackers-access-$((lines / 1000))k.log
mkdir -p "$out"
command -v goaccess > /dev/null || { echo "goaccess is not installed (apt-get install -y goaccess)"; exit 1; }
if [ -n "${NETSLEUTH_BIN:-}" ]; then
  bin=$NETSLEUTH_BIN
else
  cargo build --release --quiet
  bin=target/release/netsleuth
fi
if [ ! -s "$file" ]; then
  # The real lines in order, over and over, until there are exactly $lines.
  awk -v n="$lines" '{ a[NR] = $0 } END { for (i = 0; i < n; i++) print a[i % NR + 1] }' \
    "$src" > "$file"
fi
size=$(stat -c %s "$file")
export NETSLEUTH_CACHE_DIR=""
. bench/timing.sh
best_ns="" best_ns_rss=0 best_ga="" best_ga_rss=0 best_nw="" best_nw_rss=0
for i in $(seq "$runs"); do
  run_timed ns netsleuth "$i" "$out/detect-web-run.txt" "$out/detect-web-best.txt" \
    "$bin" detect "$file" --out "$out/detect-web" --timings
  run_timed nw "netsleuth web" "$i" /dev/null /dev/null \
    "$bin" web "$file" --json
  run_timed ga goaccess "$i" /dev/null /dev/null \
    goaccess "$file" --log-format=COMBINED -o "$out/goaccess-report.json" 2> /dev/null
done
echo
echo "binary: $bin; $(goaccess --version | head -1)"
echo "file: $file, $lines lines, $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1e6 }') ($(nproc) cores)"
awk -v n="$best_ns" -v g="$best_ga" -v s="$size" -v nk="$best_ns_rss" -v gk="$best_ga_rss" \
  -v w="$best_nw" -v wk="$best_nw_rss" 'BEGIN {
  printf "netsleuth detect   %7.2f s  (%6.1f MB/s)  peak RSS %6.1f MB = %.2fx the file size\n", n, s/1e6/n, nk/1024, nk*1024/s
  printf "netsleuth web      %7.2f s  (%6.1f MB/s)  peak RSS %6.1f MB = %.2fx the file size\n", w, s/1e6/w, wk/1024, wk*1024/s
  printf "goaccess           %7.2f s  (%6.1f MB/s)  peak RSS %6.1f MB = %.2fx the file size\n", g, s/1e6/g, gk/1024, gk*1024/s
  printf "speed ratio        %7.1fx (goaccess / netsleuth, wall clock, best of runs)\n", g/n }'
echo "netsleuth phases (best run):"
grep -E '^  (read|features|train|score|reasons|geoip|evaluate|write) ' "$out/detect-web-best.txt"
head -1 "$out/detect-web-best.txt"
