#!/usr/bin/env bash
# Configures (once) and builds Skiff into build/ with Ninja. Extra arguments
# are passed to ninja (targets, -j N).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
ninja -C build "$@"
