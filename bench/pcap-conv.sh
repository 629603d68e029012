#!/usr/bin/env bash
# Capture benchmark: `netsleuth inspect` (release build) reading a packet capture into flows,
# against `tshark -q -z conv,tcp -z conv,udp` on the same file, on a synthetic pcap of SIZE_MB
# (default 1024) made by bench/generate_pcap.py (a scale test, not real traffic). Wall clock
# and peak RSS of each, and the ratio.
# Usage: bench/pcap-conv.sh   (SIZE_MB=256 bench/pcap-conv.sh for a quicker run)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
size=${SIZE_MB:-1024}
file=$out/synthetic-$size.pcap
mkdir -p "$out"
command -v tshark > /dev/null || { echo "tshark is not installed (apt-get install -y tshark)"; exit 1; }
cargo build --release --quiet
[ -s "$file" ] || python3 bench/generate_pcap.py "$file" "$size"
. bench/timing.sh
best_ns="" best_ns_rss=0 best_ts="" best_ts_rss=0
run_timed ns netsleuth 1 "$out/pcap-inspect.txt" "$out/pcap-inspect-best.txt" \
  target/release/netsleuth inspect "$file"
run_timed ts tshark 1 /dev/null /dev/null tshark -r "$file" -q -z conv,tcp -z conv,udp
echo "file: $file, $(stat -c %s "$file") bytes, $(nproc) cores; $(tshark --version | head -1)"
awk -v n="$best_ns" -v t="$best_ts" 'BEGIN { printf "netsleuth %.2f s, tshark %.2f s: netsleuth takes %.2fx tshark'"'"'s time\n", n, t, n / t }'
grep -E "events|sources" "$out/pcap-inspect-best.txt"
