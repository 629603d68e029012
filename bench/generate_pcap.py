#!/usr/bin/env python3
"""Scale-test generator (synthetic, not real traffic): writes a pcap of SIZE bytes of
Ethernet/IPv4 flows for the capture benchmark: TCP connections (SYN, SYN-ACK, ACK, data both
ways, FIN) from many clients to a few servers, and DNS queries with answers.

Usage: bench/generate_pcap.py OUT.pcap [SIZE_MB]   (default 1024)
"""
import random
import struct
import sys

out, size_mb = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1024
limit = size_mb * 1024 * 1024
rng = random.Random(7)
servers = [(f"10.1.0.{i}", p) for i, p in enumerate([80, 443, 22, 25, 8080], start=1)]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ip(addr):
    return bytes(int(x) for x in addr.split("."))


def frame(src, dst, proto, l4):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0, ip(src), ip(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02\x08\x00" + hdr + l4


def tcp(sp, dp, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, 1, 1, 5 << 4, flags, 65535, 0, 0) + payload


def udp(sp, dp, payload):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload


written = 0
t = 1_700_000_000.0
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    written += 24

    def put(data):
        global written, t
        t += rng.random() * 0.001
        sec = int(t)
        f.write(struct.pack("<IIII", sec, int((t - sec) * 1e6), len(data), len(data)))
        f.write(data)
        written += 16 + len(data)

    while written < limit:
        client = f"172.16.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        cport = rng.randrange(1024, 65535)
        if rng.random() < 0.2:
            q = b"".join(bytes([len(l)]) + l for l in [b"host%d" % rng.randrange(10**6), b"example", b"org"]) + b"\0"
            msg = struct.pack("!HHHHHH", 1, 0x0100, 1, 0, 0, 0) + q + b"\0\x01\0\x01"
            put(frame(client, "10.1.0.53", 17, udp(cport, 53, msg)))
            put(frame("10.1.0.53", client, 17, udp(53, cport, msg[:2] + b"\x81\x80" + msg[4:])))
            continue
        server, sport = rng.choice(servers)
        put(frame(client, server, 6, tcp(cport, sport, 0x02)))
        put(frame(server, client, 6, tcp(sport, cport, 0x12)))
        put(frame(client, server, 6, tcp(cport, sport, 0x10)))
        for _ in range(rng.randrange(1, 8)):
            put(frame(client, server, 6, tcp(cport, sport, 0x18, b"x" * rng.randrange(40, 600))))
            put(frame(server, client, 6, tcp(sport, cport, 0x18, b"y" * rng.randrange(200, 1400))))
        put(frame(client, server, 6, tcp(cport, sport, 0x11)))
        put(frame(server, client, 6, tcp(sport, cport, 0x11)))
print(f"{out}: {written / 1e6:.1f} MB")
