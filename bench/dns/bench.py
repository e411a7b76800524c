#!/usr/bin/env python3
"""skiff-dns against NSD, Knot, Unbound and dnsmasq on one 10,000-service zone.

Every server gets the same zone (100 namespaces x 100 ClusterIP services,
A + SRV for a named port), private config and paths, a loopback port, and
one serving thread pinned to CPU 1; dnsperf runs pinned to CPU 0. Rounds are
interleaved (every server once per round) and the table reports medians and
the median of per-round ratios. Server CPU time comes from /proc (all threads
and child processes), so "queries per server CPU-second" stays meaningful when
dnsperf saturates its own core first. p50/p99 come from fixed-rate runs
(-Q) with per-query latencies (-v). Nothing is asserted.

Usage: bench.py --skiff BIN --micro BIN [--rounds 3] [--duration 3]
                [--p99-duration 2] [--rate 20000] [--results FILE]
"""
import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ZONE = "cluster.local"
N_SERVICES = 10000
N_NAMESPACES = 100
CLK_TCK = os.sysconf("SC_CLK_TCK")


def services():
    for i in range(N_SERVICES):
        yield f"svc-{i}", f"ns-{i % N_NAMESPACES}", f"10.96.{i // 250}.{i % 250 + 1}"


def write_inputs(d):
    with open(f"{d}/skiff.yaml", "w") as f:
        f.write("services:\n")
        for name, ns, ip in services():
            f.write(f"- {{namespace: {ns}, name: {name}, clusterIP: {ip}, "
                    f"ports: [{{name: http, protocol: TCP, port: 80}}]}}\n")
    with open(f"{d}/cluster.local.zone", "w") as f:
        f.write(f"$ORIGIN {ZONE}.\n$TTL 5\n"
                f"@ IN SOA ns.dns.{ZONE}. hostmaster.{ZONE}. 1 7200 1800 86400 5\n"
                f"@ IN NS ns.dns.{ZONE}.\nns.dns IN A 127.0.0.1\n")
        for name, ns, ip in services():
            f.write(f"{name}.{ns}.svc IN A {ip}\n")
            f.write(f"_http._tcp.{name}.{ns}.svc IN SRV 0 100 80 {name}.{ns}.svc.{ZONE}.\n")
    with open(f"{d}/unbound-data.conf", "w") as f:
        f.write(f'  local-zone: "{ZONE}." static\n')
        f.write(f'  local-data: "{ZONE}. 5 IN SOA ns.dns.{ZONE}. hostmaster.{ZONE}. 1 7200 1800 86400 5"\n')
        for name, ns, ip in services():
            fq = f"{name}.{ns}.svc.{ZONE}"
            f.write(f'  local-data: "{fq}. 5 IN A {ip}"\n')
            f.write(f'  local-data: "_http._tcp.{fq}. 5 IN SRV 0 100 80 {fq}."\n')
    for srv in (True, False):
        with open(f"{d}/dnsmasq-{'srv' if srv else 'nosrv'}.records", "w") as f:
            for name, ns, ip in services():
                fq = f"{name}.{ns}.svc.{ZONE}"
                f.write(f"host-record={fq},{ip}\n")
                if srv:
                    f.write(f"srv-host=_http._tcp.{fq},{fq},80,0,100\n")
    rng = random.Random(7)
    hits = []
    for name, ns, _ in services():
        hits.append(f"{name}.{ns}.svc.{ZONE} A")
        hits.append(f"_http._tcp.{name}.{ns}.svc.{ZONE} SRV")
    rng.shuffle(hits)
    with open(f"{d}/q-hits.txt", "w") as f:
        f.write("\n".join(hits) + "\n")
    nx = hits[: int(len(hits) * 0.8)] + [
        f"nx-{i}.ns-{i % N_NAMESPACES}.svc.{ZONE} A" for i in range(int(len(hits) * 0.2))]
    rng.shuffle(nx)
    with open(f"{d}/q-nx.txt", "w") as f:
        f.write("\n".join(nx) + "\n")


def free_port():
    for _ in range(50):
        p = random.randint(20000, 60000)
        try:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            u.bind(("127.0.0.1", p))
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.bind(("127.0.0.1", p))
            u.close()
            t.close()
            return p
        except OSError:
            continue
    raise RuntimeError("no free port")


def descendants(pid):
    """pid and every live process below it."""
    children = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open(f"/proc/{e}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(e))
        except OSError:
            continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def cpu_seconds(pid, user_only=False):
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + (0 if user_only else int(fields[12]))  # utime, stime
        except OSError:
            pass
    return total / CLK_TCK


def pin_all(pid, cpu):
    """Re-pin every thread of every process of the server (Knot pins its own)."""
    for p in descendants(pid):
        subprocess.run(["taskset", "-a", "-p", "-c", str(cpu), str(p)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bad = []
    for p in descendants(pid):
        for t in os.listdir(f"/proc/{p}/task") if os.path.isdir(f"/proc/{p}/task") else []:
            with open(f"/proc/{p}/task/{t}/status") as f:
                m = re.search(r"Cpus_allowed_list:\s*(\S+)", f.read())
            if m and m.group(1) != str(cpu):
                bad.append((p, t, m.group(1)))
    return bad


def dns_query(port, name, qtype=1, timeout=0.3):
    q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(q, ("127.0.0.1", port))
        r = s.recv(4096)
        return r[3] & 0xF, struct.unpack(">H", r[6:8])[0]
    except OSError:
        return None, 0
    finally:
        s.close()


class Server:
    def __init__(self, name, cmd, port, pin, workdir, env=None):
        self.name, self.cmd, self.port, self.pin, self.dir = name, cmd, port, pin, workdir
        self.proc = None
        self.env = env

    def start(self):
        cmd = (["taskset", "-c", str(self.pin)] if self.pin is not None else []) + self.cmd
        self.log = open(f"{self.dir}/server.log", "w")
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.dir, env=self.env, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.dir}/server.log")
            rc, an = dns_query(self.port, f"svc-{N_SERVICES - 1}.ns-{(N_SERVICES - 1) % N_NAMESPACES}.svc.{ZONE}")
            if rc == 0 and an > 0:
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"{self.name} did not answer within 60 s")
        if self.pin is not None:
            bad = pin_all(self.proc.pid, self.pin)
            if bad:
                raise RuntimeError(f"{self.name}: threads not pinned: {bad}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            for p in reversed(descendants(self.proc.pid)):
                try:
                    os.kill(p, signal.SIGTERM)
                except OSError:
                    pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                for p in descendants(self.proc.pid):
                    try:
                        os.kill(p, signal.SIGKILL)
                    except OSError:
                        pass
                self.proc.wait()
        # NSD/Knot children may outlive the parent briefly.
        time.sleep(0.2)
        self.log.close()


def make_servers(base, skiff, inputs):
    out = []

    def wd(name):
        d = f"{base}/{name}"
        os.makedirs(d, exist_ok=True)
        return d

    p = free_port()
    out.append(Server("skiff-dns", [skiff, "--static-records", f"{inputs}/skiff.yaml",
                                    "--listen", f"127.0.0.1:{p}", "--http-listen", "off",
                                    "--workers", "1", "--cpus", "1", "--resolv-conf", "/dev/null",
                                    "--log-level", "warn"], p, 1, wd("skiff")))
    d, p = wd("nsd"), free_port()
    shutil.copy(f"{inputs}/cluster.local.zone", d)
    with open(f"{d}/nsd.conf", "w") as f:
        f.write(f"""server:
  ip-address: 127.0.0.1@{p}
  port: {p}
  do-ip6: no
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "{d}"
  database: ""
  zonelistfile: "{d}/zone.list"
  xfrdfile: "{d}/xfrd.state"
  xfrdir: "{d}"
  pidfile: "{d}/nsd.pid"
  logfile: "{d}/nsd.log"
  verbosity: 0
  rrl-ratelimit: 0
  rrl-whitelist-ratelimit: 0
remote-control:
  control-enable: no
zone:
  name: {ZONE}
  zonefile: {d}/cluster.local.zone
""")
    out.append(Server("NSD", ["nsd", "-d", "-c", f"{d}/nsd.conf"], p, 1, d))
    d, p = wd("knot"), free_port()
    shutil.copy(f"{inputs}/cluster.local.zone", d)
    with open(f"{d}/knot.conf", "w") as f:
        f.write(f"""server:
    rundir: "{d}"
    user: root:root
    pidfile: "{d}/knot.pid"
    listen: 127.0.0.1@{p}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{d}"
log:
  - target: stderr
    any: error
zone:
  - domain: {ZONE}
    storage: "{d}"
    file: "{d}/cluster.local.zone"
    journal-content: none
    zonefile-load: whole
""")
    out.append(Server("Knot", ["knotd", "-c", f"{d}/knot.conf"], p, 1, d))
    d, p = wd("unbound"), free_port()
    with open(f"{d}/unbound.conf", "w") as f:
        f.write(f"""server:
  interface: 127.0.0.1@{p}
  port: {p}
  num-threads: 1
  do-daemonize: no
  do-ip6: no
  chroot: ""
  username: ""
  directory: "{d}"
  pidfile: "{d}/unbound.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  so-reuseport: no
  module-config: "iterator"
  access-control: 127.0.0.0/8 allow
""")
        with open(f"{inputs}/unbound-data.conf") as src:
            f.write(src.read())
        f.write("remote-control:\n  control-enable: no\n")
    out.append(Server("Unbound", ["unbound", "-d", "-c", f"{d}/unbound.conf"], p, 1, d))
    for srv in (True, False):
        name = "dnsmasq" if srv else "dnsmasq (no SRV records)"
        d, p = wd("dnsmasq-srv" if srv else "dnsmasq-nosrv"), free_port()
        with open(f"{d}/dnsmasq.conf", "w") as f:
            f.write(f"""port={p}
listen-address=127.0.0.1
bind-interfaces
no-resolv
no-hosts
no-poll
local=/{ZONE}/
user=root
pid-file={d}/dnsmasq.pid
conf-file={inputs}/dnsmasq-{'srv' if srv else 'nosrv'}.records
""")
        out.append(Server(name, ["dnsmasq", "--keep-in-foreground", f"--conf-file={d}/dnsmasq.conf"],
                          p, 1, d))
    p = free_port()
    out.append(Server("skiff-dns, 2 workers (both cores)",
                      [skiff, "--static-records", f"{inputs}/skiff.yaml", "--listen",
                       f"127.0.0.1:{p}", "--http-listen", "off", "--workers", "2", "--cpus", "0,1",
                       "--resolv-conf", "/dev/null", "--log-level", "warn"], p, None, wd("skiff2")))
    return out


def dnsperf(port, qfile, duration, pin, rate=None, verbose=False):
    cmd = (["taskset", "-c", str(pin)] if pin is not None else []) + [
        "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", qfile, "-l", str(duration),
        "-c", "8", "-q", "400", "-t", "2"]
    if rate:
        cmd += ["-Q", str(rate)]
    if verbose:
        cmd += ["-v"]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=duration + 60)
    out = r.stdout
    res = {"cmd": " ".join(cmd)}
    m = re.search(r"Queries completed:\s+(\d+)", out)
    res["completed"] = int(m.group(1)) if m else 0
    m = re.search(r"Queries per second:\s+([\d.]+)", out)
    res["qps"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Average Latency \(s\):\s+([\d.]+)", out)
    res["avg_ms"] = float(m.group(1)) * 1e3 if m else float("nan")
    m = re.search(r"Queries lost:\s+(\d+)", out)
    res["lost"] = int(m.group(1)) if m else -1
    m = re.search(r"Response codes:\s+(.*)", out)
    res["rcodes"] = m.group(1).strip() if m else ""
    if verbose:
        lat = sorted(float(l.rsplit(" ", 1)[1]) for l in out.splitlines()
                     if l.startswith("> ") and l.rsplit(" ", 1)[1].replace(".", "").isdigit())
        if lat:
            res["p50_ms"] = lat[len(lat) // 2] * 1e3
            res["p99_ms"] = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1e3
    return res


def med(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def run(args):
    base = tempfile.mkdtemp(prefix="skiff-dns-bench-")
    inputs = f"{base}/inputs"
    os.makedirs(inputs)
    write_inputs(inputs)
    servers = make_servers(base, args.skiff, inputs)
    mixes = [("100% hits", f"{inputs}/q-hits.txt"), ("20% NXDOMAIN", f"{inputs}/q-nx.txt")]
    results = {}  # (server, mix) -> list of per-round dicts
    commands = {}
    # Every server runs for the whole benchmark (idle ones cost nothing), so
    # each round measures them back to back, seconds apart: the host's noise
    # then moves all of a round's figures together and the per-round ratios
    # stay steady.
    try:
        for s in servers:
            print(f"starting {s.name}", file=sys.stderr, flush=True)
            s.start()
            commands[s.name] = " ".join((["taskset", "-c", str(s.pin)] if s.pin is not None else []) + s.cmd)
        for rnd in range(args.rounds):
            for mix, qfile in mixes:
                print(f"round {rnd + 1}/{args.rounds}, {mix}", file=sys.stderr, flush=True)
                for s in servers:
                    pin = 0 if s.pin is not None else None
                    c0, u0 = cpu_seconds(s.proc.pid), cpu_seconds(s.proc.pid, user_only=True)
                    t = dnsperf(s.port, qfile, args.duration, pin)
                    t["cpu_s"] = cpu_seconds(s.proc.pid) - c0
                    t["user_share"] = (cpu_seconds(s.proc.pid, user_only=True) - u0) / t["cpu_s"] if t["cpu_s"] > 0 else float("nan")
                    t["per_cpu_s"] = t["completed"] / t["cpu_s"] if t["cpu_s"] > 0 else float("nan")
                    results.setdefault((s.name, mix), []).append(t)
                for s in servers:
                    pin = 0 if s.pin is not None else None
                    t = results[(s.name, mix)][-1]
                    l = dnsperf(s.port, qfile, args.p99_duration, pin, rate=args.rate, verbose=True)
                    t["p50_ms"], t["p99_ms"] = l.get("p50_ms", float("nan")), l.get("p99_ms", float("nan"))
                    t["rate_cmd"] = l["cmd"]
                    print(f"  {s.name}: {t['qps']:.0f} q/s, {t['per_cpu_s']:.0f} q per CPU-s, "
                          f"p99 @{args.rate} {t['p99_ms']:.3f} ms", file=sys.stderr, flush=True)
    finally:
        for s in servers:
            if s.proc and s.proc.poll() is None:
                s.stop()
    return base, servers, mixes, results, commands


def best_peer(results, mix, key):
    """The better of NSD and Knot for `mix` by its median `key` over the rounds."""
    peers = [p for p in ("NSD", "Knot") if results.get((p, mix))]
    return max(peers, key=lambda p: med([r[key] for r in results[(p, mix)]]), default=None)


def table(servers, mixes, results, rate):
    lines = [f"| server | queries | q/s (median) | avg latency ms | p50 @{rate} q/s ms | p99 @{rate} q/s ms | "
             "server CPU s | user share of CPU | q per server CPU-s | q/s vs best(NSD,Knot) | "
             "per CPU-s vs best(NSD,Knot) | per CPU-s vs per-round max(NSD,Knot) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for mix, _ in mixes:
        best_q, best_c = best_peer(results, mix, "qps"), best_peer(results, mix, "per_cpu_s")
        for s in servers:
            rs = results.get((s.name, mix), [])
            if not rs:
                continue
            ratios_q, ratios_c, ratios_max = [], [], []
            for i, r in enumerate(rs):
                peers = [results[(p, mix)][i] for p in ("NSD", "Knot") if len(results.get((p, mix), [])) > i]
                if peers:
                    ratios_q.append(r["qps"] / results[(best_q, mix)][i]["qps"])
                    ratios_c.append(r["per_cpu_s"] / results[(best_c, mix)][i]["per_cpu_s"])
                    ratios_max.append(r["per_cpu_s"] / max(p["per_cpu_s"] for p in peers))
            lines.append("| %s | %s | %.0f | %.3f | %.3f | %.3f | %.2f | %.0f%% | %.0f | %.2f | %.2f | %.2f |" % (
                s.name, mix, med([r["qps"] for r in rs]), med([r["avg_ms"] for r in rs]),
                med([r["p50_ms"] for r in rs]), med([r["p99_ms"] for r in rs]),
                med([r["cpu_s"] for r in rs]), 100 * med([r["user_share"] for r in rs]),
                med([r["per_cpu_s"] for r in rs]), med(ratios_q), med(ratios_c), med(ratios_max)))
    return "\n".join(lines)


def version(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10)
        return r.stdout.strip().splitlines()[0] if r.stdout.strip() else "?"
    except Exception:
        return "?"


def dnsperf_version():
    r = subprocess.run(["dnsperf", "-h"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    m = re.search(r"Version (\S+)", r.stdout) or re.search(r"dnsperf (\d\S*)", r.stdout)
    if m:
        return m.group(1)
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dnsperf"], stdout=subprocess.PIPE, text=True)
    return r.stdout.strip() or "?"


def micro(args, inputs):
    out = []
    qfile = f"{inputs}/q-hits.txt"
    r = subprocess.run([args.micro, "--records", f"{inputs}/skiff.yaml", "--queries", qfile,
                        "--iterations", "2000000"], stdout=subprocess.PIPE, text=True, timeout=300)
    out.append(r.stdout.strip())
    if shutil.which("valgrind"):
        cg = f"{inputs}/callgrind.out"
        n = 200000
        subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={cg}",
                        "--toggle-collect=*RunLoop*", args.micro, "--records", f"{inputs}/skiff.yaml",
                        "--queries", qfile, "--iterations", str(n)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900)
        total = None
        with open(cg) as f:
            for line in f:
                if line.startswith("summary:") or line.startswith("totals:"):
                    total = int(line.split()[1])
        if total:
            out.append(f"| callgrind, Responder::Handle (hits mix) | {n} queries | "
                       f"{total / n:.0f} instructions/query | | |")
    r = subprocess.run([args.micro, "--records", f"{inputs}/skiff.yaml", "--update-latency", "200"],
                       stdout=subprocess.PIPE, text=True, timeout=600)
    out.append(r.stdout.strip())
    return "\n".join(out)


def write_results(path, section):
    text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
    m = re.search(r"^## dns\n.*?(?=^## |\Z)", text, flags=re.S | re.M)
    if m:
        text = text[:m.start()] + section + text[m.end():]
    else:
        text = text.rstrip("\n") + "\n\n" + section
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skiff", required=True)
    ap.add_argument("--micro", required=True)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--p99-duration", type=int, default=2)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--results", default="")
    args = ap.parse_args()
    args.skiff, args.micro = os.path.abspath(args.skiff), os.path.abspath(args.micro)
    started = time.time()
    load_before = " ".join(open("/proc/loadavg").read().split()[:3])
    base, servers, mixes, results, commands = run(args)
    tbl = table(servers, mixes, results, args.rate)
    micro_tbl = micro(args, f"{base}/inputs")
    any_cmd = next(iter(results.values()))[0]
    env = [f"- machine: `nproc` = {os.cpu_count()}, `uname -r` = {os.uname().release}",
           f"- dnsperf {dnsperf_version()}; load average before the run: {load_before}",
           f"- NSD {version(['nsd', '-v'])}; Knot {version(['knotd', '-V'])}; "
           f"{version(['unbound', '-V'])}; {version(['dnsmasq', '-v'])}",
           f"- skiff-dns: git {version(['git', '-C', os.path.dirname(os.path.abspath(__file__)), 'rev-parse', '--short', 'HEAD'])}",
           f"- rounds: {args.rounds}; all servers started once and left running; each round runs every "
           f"server's throughput test back to back for one mix, then every server's fixed-rate test, then "
           f"the same for the other mix; throughput runs {args.duration} s, fixed-rate runs "
           f"{args.p99_duration} s at {args.rate} q/s; total wall time {time.time() - started:.0f} s",
           "- pinning: every server's threads (all processes, re-pinned with `taskset -a -p` after start "
           "and checked) on CPU 1, dnsperf on CPU 0; the last skiff-dns row runs 2 workers pinned to "
           "CPUs 0 and 1 with dnsperf unpinned, sharing both cores",
           f"- load: `{any_cmd['cmd'].replace(base, '$DIR')}` (throughput) and "
           f"`{any_cmd['rate_cmd'].replace(base, '$DIR')}` (latency percentiles)"]
    cmds = "\n".join(f"  - {k}: `{v.replace(base, '$DIR')}`" for k, v in commands.items())
    section = f"""## dns

Command: `bench/dns/run.sh` (builds skiff-dns, then `bench/dns/bench.py`). Zone: {N_SERVICES:,}
ClusterIP services in {N_NAMESPACES} namespaces, A + SRV (`_http._tcp`) each, identical for all
servers; queries: every A and SRV name shuffled ("100% hits"), or 80% of those plus 20% names
that do not exist ("20% NXDOMAIN"). Medians over rounds. "Best(NSD,Knot)" is whichever of the
two has the higher median for that figure and mix; its ratio is the median of per-round ratios
against that server in the same round. The last column divides by the higher of the two in each
round instead, which favours whichever peer had the luckier round. "q per server CPU-s" divides
completed queries by the server's own CPU time (utime+stime of all its threads/processes):
the per-core figure when dnsperf, not the server, saturates a core; "user share" is utime's part
of it (the rest is the kernel's UDP path, which costs every server about the same per query). The dnsmasq row has SRV
records (it scans them linearly on every query); the "no SRV records" row answers the same
queries without them (its SRV questions become NXDOMAIN).

{tbl}

Micro benchmarks (skiff-dns only, `build-dns/bin/dns_microbench`):

| what | size | figure | | |
|---|---|---|---|---|
{micro_tbl}

Environment:
{chr(10).join(env)}
- servers:
{cmds}
"""
    print(section)
    if args.results:
        write_results(args.results, section)
    shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
