#!/usr/bin/env bash
# Pod start-up latency, skiff-cni vs the reference bridge + host-local CNI
# plugins, through the real skiff-server and skiff-agent (issue 7's bench).
# Prints a Markdown table (and the machine facts) on stdout; progress on
# stderr. Root; everything runs in a private network namespace.
#
#   bench/startup/run.sh [--build-dir DIR] [startup_bench flags...]
#     startup_bench flags: --pods 30,100 --rounds 3 --daemon-cpus 1 --timeout-s 120
#
# Pinning (BENCHMARKING.md): skiff-server, skiff-agent and so every CNI
# plugin and pod process on CPU 1 (--daemon-cpus); the driver and every
# netctl on CPU 0 (taskset below). Bounded: each sample stops after
# --timeout-s; the default run (2 sizes x 3 rounds x 2 plugins) takes a few
# minutes.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
build="$repo/build"
if [ "${1:-}" = "--build-dir" ]; then
  build="$(cd "$2" && pwd)"
  shift 2
fi
bin="$build/bin"
if [ "$(id -u)" != 0 ]; then
  echo "run.sh: needs root (network namespaces, cgroups)" >&2
  exit 1
fi
for b in startup_bench skiff-server skiff-agent skiff-shim skiff-cni netctl skiff-hello; do
  if [ ! -x "$bin/$b" ]; then
    echo "run.sh: $bin/$b not found; build it (ninja -C $build $b)" >&2
    exit 1
  fi
done
for p in bridge host-local loopback; do
  if [ ! -x "/usr/lib/cni/$p" ]; then
    echo "run.sh: /usr/lib/cni/$p missing (apt-get install containernetworking-plugins)" >&2
    exit 1
  fi
done

echo "startup: $(nproc) CPUs, kernel $(uname -r); containernetworking-plugins" \
  "$(dpkg-query -W -f='${Version}' containernetworking-plugins 2>/dev/null || echo '?')," \
  "skiff $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "pinned: skiff-server, skiff-agent, CNI plugins, pods on CPU 1; driver + netctl on CPU 0"
echo
taskset -c 0 "$bin/startup_bench" --bin-dir "$bin" "$@"
