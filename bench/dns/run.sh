#!/usr/bin/env bash
# skiff-dns vs NSD, Knot, Unbound and dnsmasq (see bench.py for the method).
# Builds skiff-dns and dns_microbench into build-dns, runs ~5 minutes, prints
# the Markdown table and writes it to bench/RESULTS.md under "## dns".
#   bench/dns/run.sh [--rounds N] [--duration S] [--p99-duration S] [--rate QPS]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${SKIFF_DNS_BUILD_DIR:-$root/build-dns}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C "$build" -j2 skiff-dns dns_microbench
exec python3 "$root/bench/dns/bench.py" --skiff "$build/bin/skiff-dns" \
  --micro "$build/bin/dns_microbench" --results "$root/bench/RESULTS.md" "$@"
