"""Checks netsleuth's merged blocklists against Python's ipaddress, independently of the Rust
code: reads a JSON array of cases on stdin ({"limits", "allow", "before", "after"}, entries as
[network, action, expiry, direction]) and prints one line per broken rule, nothing when all hold.

Rules: entries of one kind (action, expiry, direction) cover exactly the addresses they covered
before (a superset when widening, never holding more than per_listed addresses per listed one);
a network not in the input is never wider than the limit and reaches no allowlisted or reserved
address; the list keeps one entry per network."""
import ipaddress
import json
import sys
from collections import defaultdict

RESERVED = [ipaddress.ip_network(n) for n in ("100.64.0.0/10", "2001:db8::/32")]
assert not any(r.is_global for r in RESERVED)


def by_kind(entries):
    kinds = defaultdict(list)
    for net, action, expiry, direction in entries:
        kinds[(action, expiry, direction)].append(ipaddress.ip_network(net))
    return kinds


def collapsed(nets):
    out = []
    for version in (4, 6):
        out += ipaddress.collapse_addresses([n for n in nets if n.version == version])
    return out


def covered(inner, outer):
    return all(any(i.subnet_of(o) for o in outer if o.version == i.version) for i in inner)


def check(n, case):
    limits = case["limits"]
    allow = [ipaddress.ip_network(a) for a in case["allow"]]
    before, after = by_kind(case["before"]), by_kind(case["after"])
    inputs = {ipaddress.ip_network(e[0]) for e in case["before"]}
    problems = []
    nets = [e[0] for e in case["after"]]
    if len(nets) != len(set(nets)):
        problems.append("a network held by two entries")
    if set(after) - set(before):
        problems.append(f"kinds made up: {set(after) - set(before)}")
    for kind, old in before.items():
        new = after.get(kind, [])
        if not covered(old, new):
            problems.append(f"{kind}: addresses lost")
        if not limits["widen"] and collapsed(old) != collapsed(new):
            problems.append(f"{kind}: {collapsed(old)} became {collapsed(new)}")
        for net in new:
            if net in inputs:
                continue
            limit = limits["v4"] if net.version == 4 else limits["v6"]
            if net.prefixlen < limit:
                problems.append(f"{kind}: {net} wider than /{limit}")
            if any(net.version == a.version and net.overlaps(a) for a in allow):
                problems.append(f"{kind}: {net} reaches an allowlisted address")
            if any(net.version == r.version and net.overlaps(r) for r in RESERVED):
                problems.append(f"{kind}: {net} reaches a reserved range")
            inside = [o for o in old if o.version == net.version and o.subnet_of(net)]
            listed = sum(o.num_addresses for o in collapsed(inside))
            if net.num_addresses > listed * limits["per_listed"]:
                problems.append(f"{kind}: {net} holds {net.num_addresses} for {listed} listed")
    for p in problems:
        print(f"case {n}: {p}")


for n, case in enumerate(json.load(sys.stdin)):
    check(n, case)
