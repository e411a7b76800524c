#!/usr/bin/env bash
# Scheduler benchmark (issue 7): 10,000 pods onto 5,000 registered nodes without agents;
# the default scheduler configuration, percentageOfNodesToScore=100, and pods owned by
# ReplicaSets (default spreading), interleaved in one run; kube-scheduler's published
# scheduler_perf figures are quoted for reference
# (kube-scheduler itself is not available here). Prints the Markdown table; writes nothing
# else.
#   bench/scheduler/run.sh [BUILD_DIR] [scheduler_bench flags]     (BUILD_DIR default: build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
  build=$1
  shift
fi
if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$build" -j2 scheduler_bench >/dev/null
echo "machine: nproc=$(nproc), kernel $(uname -r), load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build: $(git rev-parse --short HEAD), $(c++ --version | head -1), CMAKE_BUILD_TYPE=RelWithDebInfo"
echo "command: bench/scheduler/run.sh $build $*"
"$build/bin/scheduler_bench" "$@"
echo
echo "| kube-scheduler scheduler_perf (published, not run here) | pods/s |"
echo "|---|---:|"
echo "| SchedulingBasic/5000Nodes_10000Pods: CI regression threshold (SchedulingThroughput average; set just below the historical minimum, test/integration/scheduler_perf/README.md) | 270 |"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
