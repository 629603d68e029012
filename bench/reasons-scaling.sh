#!/usr/bin/env bash
# Growth with distinct sources: `netsleuth detect --timings` on synthetic VPC flow logs of one
# flow per source (bench/generate_vpc_sources.py, not real data), 200k to 2M sources by
# default. Prints each size's wall clock and reasons phase, and the growth per size step.
#
#   bench/reasons-scaling.sh                               # builds the release binary first
#   SIZES="200000 400000" bench/reasons-scaling.sh
#   NETSLEUTH_BIN=target/debug/netsleuth bench/reasons-scaling.sh   # this binary; no build
set -euo pipefail

out=bench/out
mkdir -p "$out"
sizes=${SIZES:-200000 500000 1000000 2000000}
bin=${NETSLEUTH_BIN:-}
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin=target/release/netsleuth
fi

printf '%-9s %9s %11s\n' sources wall_s reasons_s
prev=""
for n in $sizes; do
  log="$out/vpc-sources-$n.log"
  [ -e "$log" ] || bench/generate_vpc_sources.py "$n" "$log"
  start=$(date +%s.%N)
  NETSLEUTH_CACHE_DIR="" "$bin" detect --timings --no-geoip --out "$out/reasons-detect" "$log" \
    >"$out/reasons-$n.txt" 2>&1
  end=$(date +%s.%N)
  reasons=$(awk '$1 == "reasons" { print $2 }' "$out/reasons-$n.txt")
  wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
  growth=""
  if [ -n "$prev" ]; then
    read -r pn pr <<<"$prev"
    growth=$(awk -v n="$n" -v pn="$pn" -v r="$reasons" -v pr="$pr" \
      'BEGIN { printf "  sources x%.1f, reasons x%.1f", n / pn, r / pr }')
  fi
  printf '%-9s %9s %11s%s\n' "$n" "$wall" "$reasons" "$growth"
  prev="$n $reasons"
done
