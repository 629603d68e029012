#!/usr/bin/env python3
"""Live monitoring: `netsleuth watch` following a file that grows at a set rate, or receiving
the same lines as syslog over TCP (`--source syslog`, RFC 3164, one message a line).

Appends lines of the real hackers' access log (../shared/data/web-access-logs, cycled: a
scale test of real lines repeated, not new data) to a followed file at RATE lines a second in
bursts every 100 ms, for SECONDS. Half-way, the requests of the log's attacker 216.244.81.34
are written once more under an address that appeared nowhere before (11.22.33.44, rewritten:
named as such), and the delay from its first line to its alert is measured. Reports lines
judged per second against lines written, the alert delay, and the watcher's RSS over time
(flat once the retention window is full).

    bench/live_watch.py [--rate 50000] [--seconds 120] [--retention 200000] [--bin PATH]
                        [--source file|syslog]
"""

import argparse
import calendar
import json
import socket
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
LOG = os.path.join(HERE, "..", "..", "shared", "data", "web-access-logs", "hackers-access.log")
ATTACKER = "216.244.81.34"
FRESH = "11.22.33.44"


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=50_000)
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--retention", type=int, default=200_000)
    ap.add_argument("--source", choices=["file", "syslog"], default="file")
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "target", "release", "netsleuth"))
    a = ap.parse_args()

    lines = [l for l in open(LOG, "rb").read().split(b"\n") if l]
    attack = [l.replace(ATTACKER.encode(), FRESH.encode(), 1) for l in lines
              if l.startswith(ATTACKER.encode() + b" ")]
    work = tempfile.mkdtemp(prefix="netsleuth-live-bench-")
    followed = os.path.join(work, "access.log")
    alerts = os.path.join(work, "alerts.jsonl")
    open(followed, "wb").close()
    if a.source == "syslog":
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        spec = f"syslog+tcp://127.0.0.1:{port}"
    else:
        spec = followed
    watch = subprocess.Popen(
        [a.bin, "watch", spec, "--every", "1", "--retention", str(a.retention),
         "--status", "1", "--log", alerts],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=dict(os.environ, NETSLEUTH_CACHE_DIR=""))

    written = 0
    injected_at = None
    rss = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            r = rss_kb(watch.pid)
            if r is not None:
                rss.append((time.monotonic(), r))
            time.sleep(1)

    threading.Thread(target=sample, daemon=True).start()
    start = time.monotonic()
    i = 0
    if a.source == "syslog":
        deadline = time.monotonic() + 10
        while True:
            try:
                sock = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        header = b"<13>Dec  5 20:00:00 web nginx: "
        f = sock.makefile("wb")
        frame = lambda chunk: b"".join(header + l + b"\n" for l in chunk)
    else:
        f = open(followed, "ab", buffering=0)
        frame = lambda chunk: b"\n".join(chunk) + b"\n"
    with f:
        while time.monotonic() - start < a.seconds:
            tick = time.monotonic()
            burst = a.rate // 10
            chunk = []
            for _ in range(burst):
                chunk.append(lines[i % len(lines)])
                i += 1
            if injected_at is None and tick - start >= a.seconds / 2:
                chunk.extend(attack)
                injected_at = time.time()
            f.write(frame(chunk))
            f.flush()
            written += len(chunk)
            time.sleep(max(0.0, 0.1 - (time.monotonic() - tick)))
    elapsed = time.monotonic() - start
    # Let the watcher catch up, at most 30 s.
    deadline = time.monotonic() + 30
    judged = 0
    while time.monotonic() < deadline:
        status = [json.loads(l) for l in open(alerts) if '"status"' in l]
        judged = status[-1]["lines"] if status else 0
        if judged >= written:
            break
        time.sleep(0.5)
    caught_up = time.monotonic() - start
    stop.set()
    watch.terminate()
    watch.wait(timeout=60)

    records = [json.loads(l) for l in open(alerts)]
    alert_at = next((r["at"] for r in records if r.get("type") == "alert" and r["ip"] == FRESH),
                    None)
    delay = None
    if alert_at and injected_at:
        dt = datetime.strptime(alert_at, "%Y-%m-%dT%H:%M:%S.%fZ")
        delay = calendar.timegm(dt.utctimetuple()) + dt.microsecond / 1e6 - injected_at
    statuses = [r for r in records if r.get("type") == "status"]
    print(f"written   {written} lines in {elapsed:.1f} s ({written / elapsed:,.0f} lines/s asked)")
    print(f"judged    {judged} lines, caught up {caught_up:.1f} s after the start "
          f"({judged / caught_up:,.0f} lines/s sustained)")
    if statuses:
        print(f"lag       {max(s['lag_bytes'] or 0 for s in statuses) / 1e6:.1f} MB at most")
    print(f"alert     {FRESH} (216.244.81.34's requests, rewritten) "
          + (f"{delay:.2f} s after its first line" if delay is not None else "NOT RAISED"))
    if rss:
        third = max(1, len(rss) // 3)
        print("rss       MB at 10% / 50% / 90% / max of the run: "
              f"{rss[len(rss) // 10][1] / 1024:.0f} / {rss[len(rss) // 2][1] / 1024:.0f} / "
              f"{rss[len(rss) * 9 // 10][1] / 1024:.0f} / {max(r for _, r in rss) / 1024:.0f}; "
              f"last third spread {(max(r for _, r in rss[-third:]) - min(r for _, r in rss[-third:])) / 1024:.0f} MB")
    err = watch.stderr.read().decode(errors="replace").strip()
    if err:
        print("stderr   ", err[:500])
    return 0 if delay is not None else 1


if __name__ == "__main__":
    sys.exit(main())
