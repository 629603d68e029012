#!/usr/bin/env python3
"""An independent reading of @ip-location-db/asn for tests/asn_agreement.rs.

    reference.py --package @ip-location-db/asn@VERSION --sha256 HEX --cache DIR \
                 --count N --seed S --out CSV

Fetches the package's tarball with `npm pack` into DIR when it is not there yet (checking its
sha256 every time), reads asn-ipv4.csv and asn-ipv6.csv straight from the tarball with
Python's csv and ipaddress modules, picks N addresses (half IPv4, half IPv6) with a seeded
random generator, and writes for each `ip,asn,org` as the CSVs answer it: the row whose start
is the last at or before the address, if the address is not past that row's end (empty asn
and org otherwise). It shares no code with scripts/build-asn or netsleuth.

The addresses: for each family a quarter at range edges (a row's first and last address, the
one before its first and the one after its last), a quarter inside rows, a quarter inside the
gaps between rows, and a quarter uniformly at random over the whole address space.
"""

import argparse
import bisect
import csv
import hashlib
import io
import ipaddress
import os
import random
import subprocess
import sys
import tarfile
import tempfile


def fetch(package, sha256, cache):
    name = package.lstrip("@").replace("/", "-").replace("@", "-") + ".tgz"
    path = os.path.join(cache, name)
    if not os.path.exists(path):
        os.makedirs(cache, exist_ok=True)
        tmp = tempfile.mkdtemp(dir=cache)
        subprocess.run(["npm", "pack", "--silent", package, "--pack-destination", tmp], check=True, stdout=subprocess.DEVNULL)
        os.replace(os.path.join(tmp, name), path)
        os.rmdir(tmp)
    data = open(path, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        sys.exit(f"{path}: sha256 {digest}, expected {sha256}")
    return data


def rows(tar, name):
    text = io.TextIOWrapper(tar.extractfile(f"package/{name}"), encoding="utf-8", newline="")
    out = [(int(ipaddress.ip_address(r[0])), int(ipaddress.ip_address(r[1])), r[2], r[3]) for r in csv.reader(text)]
    out.sort(key=lambda r: r[0])
    return out


def answer(table, starts, addr):
    i = bisect.bisect_right(starts, addr) - 1
    if i >= 0 and addr <= table[i][1]:
        return table[i][2], table[i][3]
    return "", ""


def pick(rng, table, bits, n):
    top = 2**bits - 1
    gaps = [(a[1] + 1, b[0] - 1) for a, b in zip(table, table[1:]) if b[0] > a[1] + 1]
    out = []
    for k in range(n):
        part = k % 4
        if part == 0:
            start, end, _, _ = rng.choice(table)
            addr = rng.choice([start, end, start - 1, end + 1])
        elif part == 1:
            start, end, _, _ = rng.choice(table)
            addr = rng.randint(start, end)
        elif part == 2:
            lo, hi = rng.choice(gaps)
            addr = rng.randint(lo, hi)
        else:
            addr = rng.randint(0, top)
        out.append(min(max(addr, 0), top))
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--package", required=True)
    p.add_argument("--sha256", required=True)
    p.add_argument("--cache", required=True)
    p.add_argument("--count", type=int, default=10000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    data = fetch(args.package, args.sha256, args.cache)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        families = [(rows(tar, "asn-ipv4.csv"), 32, ipaddress.IPv4Address), (rows(tar, "asn-ipv6.csv"), 128, ipaddress.IPv6Address)]
    rng = random.Random(args.seed)
    with open(args.out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["ip", "asn", "org"])
        for k, (table, bits, cls) in enumerate(families):
            starts = [r[0] for r in table]
            n = args.count // 2 + (args.count % 2 if k == 0 else 0)
            for addr in pick(rng, table, bits, n):
                w.writerow([str(cls(addr)), *answer(table, starts, addr)])


if __name__ == "__main__":
    main()
