#!/usr/bin/env bash
# Builds the DNS fuzz target with clang (libFuzzer + ASan + UBSan) in its own
# build directory and runs it for a bounded time.
#   dns/fuzz/run.sh [SECONDS]      (default 60)
# Env: SKIFF_FUZZ_BUILD_DIR (default build-dns-fuzz), SKIFF_FUZZ_SOURCE_DIR
# (default: this checkout). Exits non-zero when the fuzzer finds a crash;
# the reproducer is left in the build directory.
set -euo pipefail
secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
root=${SKIFF_FUZZ_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
build=${SKIFF_FUZZ_BUILD_DIR:-$root/build-dns-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSKIFF_FUZZ=ON >/dev/null
fi
ninja -C "$build" -j2 dns_fuzz

corpus="$build/dns-fuzz-corpus"
mkdir -p "$corpus"
cd "$build"
# -timeout: one input may not take longer than this; -rss_limit_mb: bound memory.
exec "$build/bin/dns_fuzz" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$corpus" "$here/seeds"
