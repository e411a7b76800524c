#!/usr/bin/env bash
# Sets up the machine, builds, and runs the whole test suite (unit,
# privileged and e2e labels). Extra arguments go to ctest, e.g. -L unit.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 900 "$@")
# The network-facing parsers' fuzz targets, for a bounded time each.
if [ $# -eq 0 ]; then
  scripts/fuzz.sh "${SKIFF_FUZZ_SECONDS:-20}"
fi
