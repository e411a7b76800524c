#!/usr/bin/env bash
# Installs skiff-cni on this node. Builds nothing: it copies the already built
# build/bin/skiff-cni into the CNI bin dir and writes the default network
# configuration, unless a configuration of that name exists that is not ours.
#
#   cni/install.sh [--build-dir DIR] [--bin-dir /opt/cni/bin]
#                  [--conf-dir /etc/cni/net.d] [--pod-cidr CIDR]... [--mtu N]
#                  [--no-masq]
#
# The default conflist (10-skiff.conflist) chains skiff-cni (routed mode) with
# the reference portmap and bandwidth plugins. Addresses come from the node's
# pod CIDR: passed by the runtime through the "ipRanges" capability (containerd
# CRI and skiff-agent do), or fixed here with --pod-cidr (repeat for dual
# stack). Debian ships portmap/bandwidth in /usr/lib/cni; they are linked into
# the bin dir when it lacks them, so runtimes that only search /opt/cni/bin
# find the whole chain. Idempotent; safe to run repeatedly.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
build="$repo/build"
bin_dir=/opt/cni/bin
conf_dir=/etc/cni/net.d
reference_dir=/usr/lib/cni
mtu=""
masq=true
cidrs=()

while (($#)); do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --bin-dir) bin_dir="$2"; shift 2 ;;
    --conf-dir) conf_dir="$2"; shift 2 ;;
    --pod-cidr) cidrs+=("$2"); shift 2 ;;
    --mtu) mtu="$2"; shift 2 ;;
    --no-masq) masq=false; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

src="$build/bin/skiff-cni"
if [ ! -x "$src" ]; then
  echo "install.sh: $src not found; build it first (ninja -C $build skiff-cni)" >&2
  exit 1
fi
if [ -n "$mtu" ] && ! [[ "$mtu" =~ ^[0-9]+$ ]]; then
  echo "install.sh: --mtu must be a number, got \"$mtu\"" >&2
  exit 2
fi
for c in "${cidrs[@]}"; do
  if ! [[ "$c" =~ ^[0-9a-fA-F.:]+/[0-9]+$ ]]; then
    echo "install.sh: --pod-cidr \"$c\" is not a CIDR" >&2
    exit 2
  fi
done

# 1. The binary: copy next to the target and rename, so a plugin that is
#    running right now keeps its old file and no reader sees a partial copy.
mkdir -p "$bin_dir"
tmp="$bin_dir/.skiff-cni.$$"
install -m 0755 "$src" "$tmp"
if command -v strip >/dev/null 2>&1; then strip --strip-debug "$tmp" 2>/dev/null || true; fi
mv -f "$tmp" "$bin_dir/skiff-cni"
echo "install.sh: installed $bin_dir/skiff-cni"

for p in portmap bandwidth loopback; do
  if [ ! -e "$bin_dir/$p" ] && [ -x "$reference_dir/$p" ]; then
    ln -s "$reference_dir/$p" "$bin_dir/$p"
    echo "install.sh: linked $bin_dir/$p -> $reference_dir/$p"
  fi
done

# 2. The network configuration, only when absent or written by us before.
marker='"_managedBy": "skiff cni/install.sh"'
conf="$conf_dir/10-skiff.conflist"
mkdir -p "$conf_dir"
if [ -e "$conf" ] && ! grep -qF "$marker" "$conf"; then
  echo "install.sh: $conf exists and was not written by skiff; left unchanged" >&2
  exit 0
fi

ranges=""
if ((${#cidrs[@]})); then
  sets=()
  for c in "${cidrs[@]}"; do sets+=("[{\"subnet\": \"$c\"}]"); done
  ranges=", \"ranges\": [$(IFS=,; echo "${sets[*]}")]"
fi
mtu_field=""
[ -n "$mtu" ] && mtu_field="\"mtu\": $mtu, "

new="$conf.tmp.$$"
cat >"$new" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "skiff",
  $marker,
  "plugins": [
    {
      "type": "skiff-cni",
      "mode": "routed",
      ${mtu_field}"ipMasq": $masq,
      "capabilities": {"ipRanges": true, "ips": true, "mac": true, "dns": true},
      "ipam": {"type": "skiff"$ranges}
    },
    {"type": "portmap", "capabilities": {"portMappings": true}, "snat": true},
    {"type": "bandwidth", "capabilities": {"bandwidth": true}}
  ]
}
EOF
chmod 0644 "$new"
mv -f "$new" "$conf"
echo "install.sh: wrote $conf"
