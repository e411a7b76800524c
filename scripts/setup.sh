#!/usr/bin/env bash
# Installs every Debian package Skiff needs to build, test and run its demo.
# Idempotent: packages already present are skipped; safe to run repeatedly.
# Daemons pulled in by packages (etcd, dnsmasq, nsd, knot, unbound, containerd)
# are never started by this script: tests and benchmarks start their own.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config git clang-format
  protobuf-compiler libprotobuf-dev libgrpc++-dev protobuf-compiler-grpc
  libyaml-cpp-dev libsqlite3-dev libssl-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev libboost-dev libc-ares-dev
  # skiff-server's allocator (controlplane/server; docs/scheduler.md)
  libjemalloc-dev
  # ebpf
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
  # dpdk
  libdpdk-dev dpdk dpdk-dev
  # networking and runtime
  iproute2 iptables nftables iputils-ping procps psmisc curl openssl
  containernetworking-plugins containerd runc
  # peers for tests and benchmarks
  etcd-server etcd-client dnsperf knot nsd unbound dnsmasq-base wrk iperf3
  bind9-dnsutils haproxy hyperfine ethtool
  # dns: libFuzzer runtime for dns/fuzz/run.sh; callgrind and python3 for bench/dns
  libclang-rt-14-dev valgrind python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  # Keep package scripts from starting daemons on the host.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
  fi
  trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi

# bpffs for pinned maps (skiff-proxy); harmless when already mounted.
if [ -d /sys/fs/bpf ] && ! mountpoint -q /sys/fs/bpf; then
  mount -t bpf bpf /sys/fs/bpf 2>/dev/null || echo "setup: could not mount bpffs (not root?)"
fi
