#!/usr/bin/env bash
# The DPDK engine's benchmarks, as recorded in bench/RESULTS.md "## dpdk":
#   1. skiff-dpdk-pipeline-bench: Mpps per core of the pipeline on synthetic
#      mbufs (hit and miss paths), pinned to CPU 1;
#   2. e2e.sh: end-to-end forwarding on veth + net_af_packet against
#      dpdk-testpmd io, the eBPF engine and iptables, interleaved rounds.
# usage: bench/dpdk/run.sh [BUILD_DIR] [ROUNDS]
set -euo pipefail
BUILD=${1:-build}
ROUNDS=${2:-3}
HERE=$(dirname "$0")
echo "machine: nproc=$(nproc) kernel=$(uname -r) dpdk=$(pkg-config --modversion libdpdk)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "### Pipeline on synthetic mbufs (taskset -c 1)"
echo
taskset -c 1 "$BUILD/bin/skiff-dpdk-pipeline-bench" --rounds "$((ROUNDS + 2))"
echo
echo "### End to end on veth + net_af_packet (generator CPU 0, DUT CPU 1)"
echo
"$HERE/e2e.sh" "$BUILD" "$ROUNDS" 4
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
