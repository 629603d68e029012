#!/usr/bin/env python3
"""Scale-test generator (synthetic data, not a real log): an AWS VPC flow log with N distinct
source addresses, one flow each, as a flow log of a scanned host looks (11.0.0.0/8 sources,
random ports, packets and bytes, ACCEPT or REJECT). Seeded, so a size always gives the same file.
With --spread the sources are drawn from the whole public IPv4 space instead, so that GeoIP
places them around the world (for the map at scale).

    bench/generate_vpc_sources.py N OUT [--spread]
"""
import random
import sys


def main() -> None:
    n, out = int(sys.argv[1]), sys.argv[2]
    spread = "--spread" in sys.argv[3:]
    rng = random.Random(36)
    places = random.Random(37)
    start = 1764302499
    with open(out, "w") as f:
        f.write(
            "version account-id interface-id srcaddr dstaddr srcport dstport protocol "
            "packets bytes start end action log-status\n"
        )
        for i in range(n):
            src = 11 << 24 | (i * 7919) % (1 << 24)
            while spread:
                src = places.getrandbits(32)
                first = src >> 24
                # Public unicast only: no private, loopback, link-local, multicast or reserved.
                if first not in (0, 10, 100, 127, 169, 172, 192, 198, 203) and 1 <= first < 224:
                    break
            a, b, c, d = src >> 24, src >> 16 & 255, src >> 8 & 255, src & 255
            packets = rng.randint(1, 40)
            t = start + i * 60 // max(n // 1440, 1)
            f.write(
                f"2 381492071743 eni-0ef83208bb21095f9 {a}.{b}.{c}.{d} 172.31.17.14 "
                f"{rng.randint(1024, 65535)} {rng.choice((22, 23, 80, 443, 3389, rng.randint(1, 65535)))} "
                f"6 {packets} {packets * rng.randint(40, 1500)} {t} {t + 30} "
                f"{rng.choice(('ACCEPT', 'REJECT', 'REJECT'))} OK\n"
            )


if __name__ == "__main__":
    main()
