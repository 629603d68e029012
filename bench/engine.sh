#!/usr/bin/env bash
# The per-source judging pushed down to a query engine, on a log held as a folder of Parquet
# files: `detect --engine embedded` (DataFusion in the process) against the in-memory run and
# against the seeds' pandas + scikit-learn pipeline (bench/seed_pipeline.py reading the same
# folder), then `detect --engine ballista://` on a cluster of one and of two executors started
# here on 127.0.0.1 (`netsleuth cluster`). Wall clock and peak RSS of each (the cluster's: the
# client's, and each executor's high-water mark from /proc). sources.csv of every engine run is
# compared with the in-memory run's.
#
# SCALE TEST on generated data (bench/generate_cloudwatch.py: synthetic rows drawn from the
# real CloudWatch sample), made into a lake by bench/to_parquet.py, e.g.
#   target/references-venv/bin/python bench/generate_cloudwatch.py bench/out/cloudwatch-50000k.csv \
#       --rows 50000000 --sources 50000 --days 30
#   target/references-venv/bin/python bench/to_parquet.py bench/out/cloudwatch-50000k.csv \
#       bench/out/lake-50000k
#
# Usage: bench/engine.sh LAKE_FOLDER [SLOTS_PER_EXECUTOR=2]
# PANDAS_CAP_MB (default 20000) caps the pandas run in a memory cgroup, so that running out of
# memory ends it rather than the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
lake=$1 slots=${2:-2}
bin=target/release/netsleuth
python=target/references-venv/bin/python
out=$(mktemp -d)
pids=()
# The output folder goes first: with no process left to stop, "${pids[@]}" is unset under -u.
trap 'rm -rf "$out"; kill ${pids[@]+"${pids[@]}"} 2>/dev/null' EXIT
export NETSLEUTH_CACHE_DIR=$out/cache

measure() { # label, command...: wall seconds and peak RSS from GNU time; stdout kept in $out/said
    local label=$1; shift
    local status=ok
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" >"$out/said" 2>"$out/err" || status=failed
    read -r wall kb < <(tail -1 "$out/time")
    printf '%-40s %8.1f s %8.0f MB' "$label" "$wall" "$((kb / 1024))"
    if [ $status = ok ]; then echo; else
        printf '  FAILED (%s): %s\n' "$(head -1 "$out/time")" "$(tail -2 "$out/err" | tr '\n' ' ')"
    fi
}

same() { # folder: whether its sources.csv is the in-memory run's
    if cmp -s "$out/memory/sources.csv" "$1/sources.csv"; then echo "  sources.csv: identical"
    else echo "  sources.csv: DIFFERS"; fi
}

files=$(find "$lake" -name '*.parquet' | wc -l)
bytes=$(du -sb "$lake" | cut -f1)
echo "== $lake: $files Parquet files, $((bytes / 1048576)) MB"
measure "in memory" $bin detect "$lake" --out "$out/memory" --timings
grep -E "events from|^  [a-z]" "$out/said" || true
measure "embedded DataFusion" $bin detect "$lake" --out "$out/embedded" --engine embedded --timings
grep -E "events from|^  [a-z]" "$out/said" || true
same "$out/embedded"

port() { $python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened"; exit 1; }
for executors in 1 2; do
    sched=$(port)
    $bin cluster scheduler --bind "127.0.0.1:$sched" >/dev/null 2>"$out/scheduler.log" &
    pids+=($!)
    wait_port "$sched"
    eps=()
    for i in $(seq "$executors"); do
        p=$(port)
        mkdir -p "$out/work-$executors-$i"
        $bin cluster executor --scheduler "127.0.0.1:$sched" --bind "127.0.0.1:$p" --slots "$slots" \
            --work-dir "$out/work-$executors-$i" >/dev/null 2>"$out/executor-$i.log" &
        eps+=($!)
        pids+=($!)
        wait_port "$p"
    done
    sleep 3
    measure "Ballista, $executors executor(s) x $slots slots" $bin detect "$lake" --out "$out/ballista-$executors" \
        --engine "ballista://127.0.0.1:$sched" --partitions 8 --timings
    grep -E "events from|^  [a-z]" "$out/said" || true
    for e in "${eps[@]}"; do
        printf '  executor %s peak RSS %s MB\n' "$e" "$(($(awk '/VmHWM/ {print $2}' "/proc/$e/status") / 1024))"
    done
    same "$out/ballista-$executors"
    kill ${pids[@]+"${pids[@]}"} 2>/dev/null || true
    wait 2>/dev/null || true
    pids=()
done

# pandas in a memory cgroup of its own, so that running out of memory ends only it.
cap_mb=${PANDAS_CAP_MB:-20000}
own=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)
if [ -n "$own" ]; then
    cg=/sys/fs/cgroup/memory$own/netsleuth-bench-pandas
    mkdir -p "$cg"
    echo $((cap_mb * 1048576)) >"$cg/memory.limit_in_bytes"
else
    cg=/sys/fs/cgroup$(awk -F: '$1 == 0 {print $3}' /proc/self/cgroup)/netsleuth-bench-pandas
    mkdir -p "$cg"
    echo $((cap_mb * 1048576)) >"$cg/memory.max"
fi
capped=(sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg")
measure "pandas + scikit-learn (cap ${cap_mb} MB)" "${capped[@]}" $python bench/seed_pipeline.py "$lake"
grep -E "^  [a-z]|TOTAL" "$out/said" || true

