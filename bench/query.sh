#!/usr/bin/env bash
# Query speed: `netsleuth inspect FILE --query Q` on the 5,000,000-row CloudWatch-schema CSV
# made by the scale-test generator bench/generate_cloudwatch.py. For each query: the events it
# matched and the evaluation's own time over every event (parsed query to matching rows), as
# inspect reports it on stderr; reading the file and printing the events are not counted.
# Usage: bench/query.sh                       (ROWS=1000000 bench/query.sh)
#        NETSLEUTH_BIN=/path/to/netsleuth bench/query.sh   (time that binary, no build)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
rows=${ROWS:-5000000}
mkdir -p "$out"
if [ -n "${NETSLEUTH_BIN:-}" ]; then
  bin=$NETSLEUTH_BIN
else
  cargo build --release --quiet
  bin=target/release/netsleuth
fi
file=$out/cloudwatch-$((rows / 1000))k.csv
[ -s "$file" ] || python3 bench/generate_cloudwatch.py "$file" --rows "$rows"
queries=(
  'source_ip in 165.225.0.0/16'
  'bytes_sent > 10000 and country_code = US'
  'detail ~ "(?i)suspicious|adversary"'
  'wget'
  'time >= 2024-05-01 and time < 2024-05-08 or not outcome = 200'
  'last 1d and bytes_received > 20000'
)
echo "$file, $bin, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%10s  %s\n' "query ms" "events matched / events: query"
for q in "${queries[@]}"; do
  # Exit 2 says rows were skipped while reading; the query still ran over the rest.
  "$bin" inspect "$file" --query "$q" --csv > /dev/null 2> "$out/query-stderr.txt" || [ $? -eq 2 ]
  line=$(grep 'events match' "$out/query-stderr.txt")
  ms=$(sed -E 's/.*took ([0-9.]+) ms.*/\1/' <<< "$line")
  counts=$(sed -E 's/^netsleuth: ([0-9,]+) of ([0-9,]+) events match.*/\1 \/ \2/' <<< "$line")
  printf '%10s  %s: %s\n' "$ms" "$counts" "$q"
done
