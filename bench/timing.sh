# Sourced by the speed benchmarks (needs $out, the output folder).

# is_less A B: whether A < B (seconds, decimals).
is_less() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# run_timed NAME LABEL I RUN_OUT BEST_OUT CMD...: runs CMD (its output to RUN_OUT) under GNU
# time and prints its wall clock, CPU and peak RSS. Keeps the best wall clock in $best_NAME
# (copying RUN_OUT to BEST_OUT when it is the best) and the largest peak RSS (KB) in
# $best_NAME_rss; start them as "" and 0.
run_timed() {
  local name=$1 label=$2 i=$3 run_out=$4 best_out=$5 secs kb cpu
  shift 5
  /usr/bin/time -f "%e %M %P" -o "$out/time.txt" "$@" > "$run_out"
  read -r secs kb cpu < "$out/time.txt"
  printf '%-9s run %s: %s s, CPU %s, peak RSS %s MB\n' "$label" "$i" "$secs" "$cpu" "$((kb / 1024))"
  local best=best_$name rss=best_${name}_rss
  if [ "$kb" -gt "${!rss}" ]; then printf -v "$rss" '%s' "$kb"; fi
  if [ -z "${!best}" ] || is_less "$secs" "${!best}"; then
    printf -v "$best" '%s' "$secs"
    if [ "$run_out" != /dev/null ]; then cp "$run_out" "$best_out"; fi
  fi
}
