#!/usr/bin/env bash
# API server benchmark (issue 2): create throughput/latency for 10,000
# objects and watch delivery latency with 100 watchers, SQLite vs etcd,
# interleaved rounds in one run. Prints the table; writes nothing else.
#   bench/api/run.sh [api_bench flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build.sh skiff-server api_bench >/dev/null
echo "machine: $(nproc) cores, $(uname -r); etcd $(etcd --version | head -1 | awk '{print $3}')"
echo "command: bench/api/run.sh $*"
build/bin/api_bench --server-bin build/bin/skiff-server "$@"
