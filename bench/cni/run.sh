#!/usr/bin/env bash
# Runs the CNI benchmark: skiff-cni (routed and bridge modes) against Debian's
# reference bridge + host-local plugins, interleaved rounds, plugins pinned to
# CPU 1 and the harness to CPU 0. Prints the Markdown table plus the machine
# and tool lines for bench/RESULTS.md. Needs root (network namespaces).
# Usage: bench/cni/run.sh [build-dir] [cni_bench flags...]
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:-$here/build}"
shift || true
bin="$build/bin"
[ -x "$bin/cni_bench" ] || { echo "build cni_bench first: ninja -C $build cni_bench skiff-cni" >&2; exit 1; }
echo "Machine: nproc=$(nproc), kernel $(uname -r), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "skiff-cni: $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown);" \
     "reference: containernetworking-plugins $(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo unknown)"
echo "Command: taskset -c 0 $bin/cni_bench --skiff-cni=$bin/skiff-cni --plugin-cpu=1 $*"
echo
taskset -c 0 "$bin/cni_bench" --skiff-cni="$bin/skiff-cni" --plugin-cpu=1 "$@"
echo
echo "Load average after the run: $(cut -d' ' -f1-3 /proc/loadavg)"
