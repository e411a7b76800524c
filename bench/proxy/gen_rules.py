#!/usr/bin/env python3
"""Writes the N-Service rule sets of every peer for bench/proxy/run.sh.

  gen_rules.py N OUTDIR VIP_PREFIX_LEGACY VIP_PREFIX_NFT VIP_PREFIX_NFTABLES VIP_PREFIX_SKIFF

Each peer gets N Services of one TCP port (80 -> 8080) on the same three
backends (10.211.{0,1,2}.2), shaped like kube-proxy's rules:
  iptables: KUBE-SERVICES -> KUBE-SVC-* (statistic random) -> KUBE-SEP-* DNAT
  nftables: kube-proxy's nftables mode (service-ips verdict map, numgen vmap)
  skiff:    Services + EndpointSlices for --static-services
The Service under test is number N//2 (the middle of KUBE-SERVICES).
"""
import sys

BACKENDS = ["10.211.0.2", "10.211.1.2", "10.211.2.2"]


def vip(prefix, i):
    a, b = prefix.split(".")[:2]
    return f"{a}.{int(b) + (i >> 16)}.{(i >> 8) & 255}.{i & 255}"


def iptables(n, prefix, path):
    with open(path, "w") as f:
        f.write("*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n")
        for i in range(n):
            f.write(f":KUBE-SVC-{i:08d} - [0:0]\n")
            for e in range(3):
                f.write(f":KUBE-SEP-{i:08d}-{e} - [0:0]\n")
        f.write("-A PREROUTING -j KUBE-SERVICES\n")
        for i in range(n):
            f.write(f"-A KUBE-SERVICES -d {vip(prefix, i)}/32 -p tcp -m tcp --dport 80 "
                    f"-j KUBE-SVC-{i:08d}\n")
            f.write(f"-A KUBE-SVC-{i:08d} -m statistic --mode random --probability 0.33333333349 "
                    f"-j KUBE-SEP-{i:08d}-0\n")
            f.write(f"-A KUBE-SVC-{i:08d} -m statistic --mode random --probability 0.50000000000 "
                    f"-j KUBE-SEP-{i:08d}-1\n")
            f.write(f"-A KUBE-SVC-{i:08d} -j KUBE-SEP-{i:08d}-2\n")
            for e, b in enumerate(BACKENDS):
                f.write(f"-A KUBE-SEP-{i:08d}-{e} -p tcp -m tcp -j DNAT "
                        f"--to-destination {b}:8080\n")
        f.write("COMMIT\n")


def iptables_one(n, prefix, path):
    """One more Service (number n), as a --noflush delta."""
    i = n
    with open(path, "w") as f:
        f.write(f"*nat\n:KUBE-SVC-{i:08d} - [0:0]\n")
        for e in range(3):
            f.write(f":KUBE-SEP-{i:08d}-{e} - [0:0]\n")
        f.write(f"-A KUBE-SERVICES -d {vip(prefix, i)}/32 -p tcp -m tcp --dport 80 "
                f"-j KUBE-SVC-{i:08d}\n")
        f.write(f"-A KUBE-SVC-{i:08d} -m statistic --mode random --probability 0.33333333349 "
                f"-j KUBE-SEP-{i:08d}-0\n")
        f.write(f"-A KUBE-SVC-{i:08d} -m statistic --mode random --probability 0.50000000000 "
                f"-j KUBE-SEP-{i:08d}-1\n")
        f.write(f"-A KUBE-SVC-{i:08d} -j KUBE-SEP-{i:08d}-2\n")
        for e, b in enumerate(BACKENDS):
            f.write(f"-A KUBE-SEP-{i:08d}-{e} -p tcp -m tcp -j DNAT --to-destination {b}:8080\n")
        f.write("COMMIT\n")


def nft_service(i, prefix):
    out = [f"add chain ip kube-proxy service-{i}",
           f"add chain ip kube-proxy endpoint-{i}-0",
           f"add chain ip kube-proxy endpoint-{i}-1",
           f"add chain ip kube-proxy endpoint-{i}-2"]
    for e, b in enumerate(BACKENDS):
        out.append(f"add rule ip kube-proxy endpoint-{i}-{e} meta l4proto tcp dnat to {b}:8080")
    out.append(f"add rule ip kube-proxy service-{i} numgen random mod 3 vmap "
               f"{{ 0 : goto endpoint-{i}-0, 1 : goto endpoint-{i}-1, 2 : goto endpoint-{i}-2 }}")
    out.append(f"add element ip kube-proxy service-ips {{ {vip(prefix, i)} . tcp . 80 : "
               f"goto service-{i} }}")
    return out


def nftables(n, prefix, path):
    with open(path, "w") as f:
        f.write("add table ip kube-proxy\n")
        f.write("add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : "
                "verdict ; }\n")
        f.write("add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority "
                "dstnat ; }\n")
        f.write("add chain ip kube-proxy services\n")
        f.write("add rule ip kube-proxy nat-prerouting jump services\n")
        f.write("add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap "
                "@service-ips\n")
        for i in range(n):
            f.write("\n".join(nft_service(i, prefix)) + "\n")


def nftables_one(n, prefix, path):
    with open(path, "w") as f:
        f.write("\n".join(nft_service(n, prefix)) + "\n")


def skiff(n, prefix, path):
    """JSON (an array of objects): skiff-proxy parses it with common/json."""
    eps = ", ".join('{"addresses": ["%s"], "nodeName": "node-a"}' % b for b in BACKENDS)
    with open(path, "w") as f:
        f.write("[\n")
        for i in range(n):
            sep = "," if i + 1 < n else ""
            f.write(f'{{"kind": "Service", "metadata": {{"name": "s{i}"}}, "spec": '
                    f'{{"clusterIP": "{vip(prefix, i)}", "ports": [{{"name": "http", '
                    f'"port": 80}}]}}}},\n')
            f.write(f'{{"kind": "EndpointSlice", "metadata": {{"name": "s{i}-1", "labels": '
                    f'{{"kubernetes.io/service-name": "s{i}"}}}}, "endpoints": [{eps}], '
                    f'"ports": [{{"name": "http", "port": 8080}}]}}{sep}\n')
        f.write("]\n")


def main():
    n = int(sys.argv[1])
    out = sys.argv[2]
    legacy, nft, nftb, sk = sys.argv[3:7]
    iptables(n, legacy, f"{out}/legacy.rules")
    iptables_one(n, legacy, f"{out}/legacy-one.rules")
    iptables(n, nft, f"{out}/nft.rules")
    iptables_one(n, nft, f"{out}/nft-one.rules")
    nftables(n, nftb, f"{out}/nftables.nft")
    nftables_one(n, nftb, f"{out}/nftables-one.nft")
    skiff(n, sk, f"{out}/skiff.json")
    print(vip(legacy, n // 2), vip(nft, n // 2), vip(nftb, n // 2), vip(sk, n // 2))


if __name__ == "__main__":
    main()
