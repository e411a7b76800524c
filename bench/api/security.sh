#!/usr/bin/env bash
# API security overhead (issue 8): Secret create/get latency with
# authentication + RBAC + encryption at rest on versus off, interleaved
# rounds in one run (see security_bench.cc). Prints the table.
#   bench/api/security.sh [api_security_bench flags]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build.sh skiff-server api_security_bench >/dev/null
echo "machine: $(nproc) cores, $(uname -r); server pinned to CPU 1, load generator to CPU 0"
echo "command: bench/api/security.sh $*"
build/bin/api_security_bench --server-bin build/bin/skiff-server "$@"
