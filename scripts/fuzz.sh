#!/usr/bin/env bash
# Builds every libFuzzer target with clang (ASan, UBSan) in build-fuzz/ and
# runs each for a bounded time on its corpus. Exits non-zero on the first
# crash; the reproducer is left in build-fuzz/.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]     (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
build=build-fuzz
# The parsers that face the network or user input, and their seed corpora.
targets=(dns_fuzz api_manifest_fuzz api_quantity_fuzz api_labels_fuzz json_parse_fuzz cni_config_fuzz
  agent_http_fuzz api_cron_fuzz)
declare -A seeds=([dns_fuzz]=dns/fuzz [api_manifest_fuzz]=api/testdata
  [api_labels_fuzz]=api/fuzz/labels_seeds)

if [ ! -f "$build/build.ninja" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSKIFF_FUZZ=ON >/dev/null
fi
ninja -C "$build" -j2 "${targets[@]}"
for t in "${targets[@]}"; do
  bin=$(realpath "$(find "$build" -type f -name "$t" -perm -u+x | head -1)")
  corpus="$PWD/$build/corpus/$t"
  mkdir -p "$corpus"
  echo "fuzz: $t for ${secs}s"
  log="$PWD/$build/$t.log"
  # A crash also prints the final stats: show the whole report on failure, not just the tail.
  if ! (cd "$build" && "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 "$corpus" ${seeds[$t]:+"$OLDPWD/${seeds[$t]}"} >"$log" 2>&1); then
    grep -v -E '^#[0-9]+|NEW_FUNC' "$log" | tail -60
    echo "fuzz: $t FAILED; reproducer in $build/ (crash-*, leak-*, oom-*, timeout-*)" >&2
    exit 1
  fi
  tail -3 "$log"
done
