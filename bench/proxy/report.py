#!/usr/bin/env python3
"""Turns bench/proxy/run.sh raw results into Markdown tables (medians of the
rounds and medians of per-round ratios against iptables-legacy)."""
import statistics
import sys
from collections import defaultdict

PEERS = ["direct", "legacy", "nft", "nftables", "skiff-sock", "skiff-tc", "skiff-xdp"]
NAMES = {"direct": "direct (no NAT, 1 backend)", "legacy": "iptables-legacy (kube-proxy iptables)",
         "nft": "iptables-nft (kube-proxy iptables)", "nftables": "nftables (kube-proxy nftables)",
         "skiff-sock": "skiff socket LB", "skiff-tc": "skiff TC LB", "skiff-xdp": "skiff XDP LB"}

runs = defaultdict(list)  # (N, peer) -> [(round, ka, p99, nc)]
loads = {}
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "run":
        runs[(int(f[1]), f[2])].append((int(f[3]), float(f[4]), float(f[5]), float(f[6])))
    elif f[0] == "load":
        loads[int(f[1])] = dict(kv.split("=") for kv in f[2:])

scales = sorted({n for n, _ in runs} | set(loads))


def med(xs):
    return statistics.median(xs) if xs else float("nan")


print("| Services | peer | keep-alive req/s | new conn/s | p99 ms (keep-alive) | "
      "new conn/s vs iptables-legacy (median of per-round ratios) |")
print("|---:|---|---:|---:|---:|---:|")
for n in scales:
    base = {r: nc for r, _, _, nc in runs.get((n, "legacy"), [])}
    for p in PEERS:
        rs = runs.get((n, p), [])
        if not rs:
            print(f"| {n} | {NAMES[p]} | not measured (rules did not load in time) | | | |")
            continue
        ratios = [nc / base[r] for r, _, _, nc in rs if base.get(r)]
        ratio = f"{med(ratios):.2f}x" if ratios else "-"
        print(f"| {n} | {NAMES[p]} | {med([x[1] for x in rs]):.0f} | {med([x[3] for x in rs]):.0f} "
              f"| {med([x[2] for x in rs]):.2f} | {ratio} |")
print()
print("| Services | iptables-legacy load s | iptables-nft load s | nftables load s | "
      "skiff start-to-synced s / of which sync s | skiff (XDP) same | "
      "one Service added: legacy s | iptables-nft s | nftables s |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in scales:
    l = loads.get(n, {})
    g = lambda k: l.get(k, "-")
    print(f"| {n} | {g('legacy')} | {g('nft')} | {g('nftables')} | {g('skiff')} | {g('skiff_xdp')} "
          f"| {g('one_legacy')} | {g('one_nft')} | {g('one_nftables')} |")
