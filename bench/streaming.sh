#!/usr/bin/env bash
# The streaming run (detect --streaming) against the in-memory run: outputs on a 1M-row slice,
# then time and peak memory on a large generated file, the streaming run inside a memory
# cgroup capped at CAP_MB (cgroup v1 or v2, needs root), the in-memory run uncapped.
#
# SCALE TEST on generated data: the files come from bench/generate_cloudwatch.py (synthetic rows
# drawn from the real CloudWatch sample), e.g.
#   target/references-venv/bin/python bench/generate_cloudwatch.py bench/out/cloudwatch-25000k.csv \
#       --rows 25000000 --sources 50000 --days 30
#
# Usage: bench/streaming.sh SLICE.csv LARGE.csv [CAP_MB=1024] [SHARDS]
set -euo pipefail
cd "$(dirname "$0")/.."
slice=$1 large=$2 cap_mb=${3:-1024} shards=${4:-}
bin=target/release/netsleuth
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export NETSLEUTH_CACHE_DIR=$out/cache

measure() { # label, command...: wall seconds and peak RSS from GNU time; stdout kept in $out/said
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" >"$out/said" 2>"$out/err" || { cat "$out/err"; exit 1; }
    read -r wall kb <"$out/time"
    printf '%-34s %8.1f s %8.0f MB\n' "$label" "$wall" "$((kb / 1024))"
}

echo "== outputs on the slice ($(($(wc -l <"$slice") - 1)) rows)"
measure "in memory" $bin detect "$slice" --out "$out/m"
measure "streaming, 4 shards" $bin detect "$slice" --out "$out/s" --streaming --shards 4
for f in sources.csv blocklist.csv; do
    cmp "$out/m/$f" "$out/s/$f" && echo "  $f: identical"
done
python3 bench/compare_events.py "$out/m/events_scored.csv" "$out/s/events_scored.csv"
# The same run with a fresh model cache: how much two in-memory runs' forests differ.
NETSLEUTH_CACHE_DIR=$out/cache2 $bin detect "$slice" --out "$out/m2" >/dev/null
echo "  (two in-memory runs, each training its own forest:)"
python3 bench/compare_events.py "$out/m/events_scored.csv" "$out/m2/events_scored.csv"
rm -rf "$out/m" "$out/s" "$out/m2"

rows=$(($(wc -l <"$large") - 1))
bytes=$(stat -c %s "$large")
echo "== $large: $rows rows, $((bytes / 1048576)) MB"
# A memory cgroup of our own under the one we run in.
own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)
if [ -n "$own" ]; then
    cg=/sys/fs/cgroup/memory$own/netsleuth-bench
    mkdir -p "$cg"
    echo $((cap_mb * 1048576)) >"$cg/memory.limit_in_bytes"
else
    cg=/sys/fs/cgroup$(awk -F: '$1 == 0 {print $3}' /proc/self/cgroup)/netsleuth-bench
    mkdir -p "$cg"
    echo $((cap_mb * 1048576)) >"$cg/memory.max"
fi
# Runs its arguments inside the capped cgroup (the shell moves itself in, then execs them).
capped=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg")
extra=()
[ -n "$shards" ] && extra=(--shards "$shards")
measure "streaming, capped at ${cap_mb} MB" "${capped[@]}" $bin detect "$large" --out "$out/ls" --streaming --spill-dir "$out" "${extra[@]}" --timings
grep -E "events from|^  [a-z]" "$out/said" || true
measure "in memory, uncapped" $bin detect "$large" --out "$out/lm" --timings
grep -E "^  [a-z]" "$out/said" || true
for f in sources.csv blocklist.csv; do
    cmp "$out/lm/$f" "$out/ls/$f" && echo "  $f: identical"
done
rmdir "$cg" 2>/dev/null || true
