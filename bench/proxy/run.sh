#!/usr/bin/env bash
# Service load-balancing benchmark: kube-proxy's iptables pattern
# (iptables-legacy and iptables-nft), kube-proxy's nftables pattern, Skiff
# socket LB, Skiff TC LB, Skiff XDP LB and "direct" (client -> one backend,
# no NAT) side by side, with 1 .. 100,000 Services installed.
#
# Each peer gets its own namespace topology (client ns -> node ns -> three
# backend ns), so their rule sets never share a netfilter hook; all are
# loaded at once and the rounds interleave the peers (A, B, C, ... x ROUNDS).
# Load generator (wrk) pinned to CPU 0, backends pinned to CPU 1.
#
# usage: bench/proxy/run.sh [BUILD_DIR]      (as root)
# env:   SCALES="1 1000 10000 100000" ROUNDS=3 DURATION=2 LOAD_TIMEOUT=120
# Prints Markdown tables; writes nothing outside /tmp and removes all it
# created (namespaces, pins, cgroup, processes) on exit.
set -euo pipefail
BUILD=${1:-build-proxy}
B=$(cd "$BUILD/bin" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SCALES=${SCALES:-"1 1000 10000 100000"}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-2}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-120}
TAG=spb$$
WORK=/tmp/skiff-proxybench-$$
CG=/sys/fs/cgroup/unified/$TAG
[ -d /sys/fs/cgroup/unified ] || CG=/sys/fs/cgroup/$TAG
PIDS=()
declare -A PROXY
TOPOS="L N F S X"  # legacy, iptables-nft, nftables, skiff (sock+tc+direct), skiff xdp
mkdir -p "$WORK"
RES=$WORK/results.txt
: >"$RES"

cleanup() {
  set +e
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for t in $TOPOS; do
    nsenter --net=/run/netns/${TAG}${t}n "$B/skiff-proxy" --cleanup --bpf-root /sys/fs/bpf/$TAG$t \
      >/dev/null 2>&1
    rm -rf /sys/fs/bpf/$TAG$t
    for s in c n b0 b1 b2; do ip netns del ${TAG}${t}$s 2>/dev/null; done
  done
  rmdir "$CG" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 130" INT TERM

topo() {  # $1 = topology letter
  local t=$1 c=${TAG}$1c n=${TAG}$1n
  ip netns add $c; ip netns add $n
  ip -n $c link set lo up; ip -n $n link set lo up
  ip netns exec $n sysctl -qw net.ipv4.ip_forward=1
  ip netns exec $c sysctl -qw net.ipv4.tcp_tw_reuse=1
  ip netns exec $c sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
  ip -n $n link add ${TAG}${t}nc type veth peer name ${TAG}${t}cn netns $c
  ip -n $n addr add 10.210.0.1/24 dev ${TAG}${t}nc; ip -n $n link set ${TAG}${t}nc up
  ip -n $c addr add 10.210.0.2/24 dev ${TAG}${t}cn; ip -n $c link set ${TAG}${t}cn up
  ip -n $c route add default via 10.210.0.1
  # Full checksums from the client, as from a real NIC (XDP rewrites them).
  ip netns exec $c ethtool -K ${TAG}${t}cn tx off >/dev/null 2>&1 || true
  for i in 0 1 2; do
    local b=${TAG}$1b$i
    ip netns add $b; ip -n $b link set lo up
    ip -n $n link add ${TAG}${t}n$i type veth peer name ${TAG}${t}b${i}x netns $b
    ip -n $n addr add 10.211.$i.1/24 dev ${TAG}${t}n$i; ip -n $n link set ${TAG}${t}n$i up
    ip -n $b addr add 10.211.$i.2/24 dev ${TAG}${t}b${i}x; ip -n $b link set ${TAG}${t}b${i}x up
    ip -n $b route add default via 10.211.$i.1
    ip netns exec $b taskset -c 1 "$B/skiff-lbtest-server" --id b$i --tcp 8080 \
      >"$WORK/srv-$t$i.log" 2>&1 &
    PIDS+=($!)
  done
}

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

# Starts skiff-proxy for topology $1 on file $2 (extra args after); sets
# LOADED to "start-to-synced seconds/sync seconds" or "timeout". Not run in
# a subshell: the pid must reach PROXY and PIDS.
start_proxy() {
  local t=$1 file=$2; shift 2
  local log=$WORK/proxy-$t.log
  : >"$log"
  local t0; t0=$(now)
  nsenter --net=/run/netns/${TAG}${t}n "$B/skiff-proxy" --static-services "$file" \
    --bpf-root /sys/fs/bpf/$TAG$t --node-name node-a --listen 127.0.0.1:10249 "$@" >"$log" 2>&1 &
  PROXY[$t]=$!
  PIDS+=($!)
  for _ in $(seq 1 $((LOAD_TIMEOUT * 10))); do
    grep -q '"synced"' "$log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q '"synced"' "$log" || { LOADED=timeout; return; }
  # start-to-synced / the proxy's own sync time (apply of all Services)
  LOADED="$(elapsed "$t0" "$(now)")/$(grep -o '"synced".*seconds=[0-9.]*' "$log" | head -1 |
    sed 's/.*seconds=//')"
}

stop_proxy() {
  local t=$1
  if [ -n "${PROXY[$t]:-}" ]; then
    kill -9 "${PROXY[$t]}" 2>/dev/null || true
    wait "${PROXY[$t]}" 2>/dev/null || true
  fi
  PROXY[$t]=
  nsenter --net=/run/netns/${TAG}${t}n "$B/skiff-proxy" --cleanup --bpf-root /sys/fs/bpf/$TAG$t \
    >/dev/null 2>&1 || true
}

# Runs a command with the load timeout; prints its duration or "timeout".
timed() {
  local t0; t0=$(now)
  if timeout "$LOAD_TIMEOUT" "$@" >/dev/null 2>&1; then elapsed "$t0" "$(now)"; else echo "timeout"; fi
}

# wrk against $2:$3 from topology $1 ("sock" as $4 = inside the socket-LB
# cgroup; "close" as $5 = new connection per request). Prints "rps p99ms".
run_wrk() {
  local t=$1 ip=$2 port=$3 sock=$4 mode=$5
  local hdr=()
  [ "$mode" = close ] && hdr=(-H "Connection: close")
  local cmd=(ip netns exec ${TAG}${t}c taskset -c 0 wrk -t1 -c32 -d${DURATION}s --latency
             "${hdr[@]}" "http://$ip:$port/")
  local out
  if [ "$sock" = sock ]; then
    out=$(sh -c 'echo $$ > "$0/cgroup.procs"; shift; exec "$@"' "$CG" x "${cmd[@]}" 2>&1 || true)
  else
    out=$("${cmd[@]}" 2>&1 || true)
  fi
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
  echo "${rps:-0} ${p99:-0}"
}

mkdir -p "$CG"
for t in $TOPOS; do topo $t; done
sleep 1

echo "## machine: nproc=$(nproc) kernel=$(uname -r); wrk pinned to CPU 0, backends to CPU 1"
echo "## $(wrk --version 2>&1 | head -1); $(iptables-legacy --version); $(iptables-nft --version); $(nft --version)"
echo

for N in $SCALES; do
  G=$WORK/gen-$N; mkdir -p "$G"
  read -r VIP _ < <(python3 "$HERE/gen_rules.py" "$N" "$G" 10.96.0.0 10.96.0.0 10.96.0.0 10.96.0.0)
  # Full sync / load time of each peer.
  stop_proxy S; stop_proxy X
  ip netns exec ${TAG}Ln iptables-legacy -t nat -F >/dev/null 2>&1 || true
  ip netns exec ${TAG}Fn nft flush ruleset >/dev/null 2>&1 || true
  LOAD_L=$(timed ip netns exec ${TAG}Ln iptables-legacy-restore "$G/legacy.rules")
  LOAD_N=$(timed ip netns exec ${TAG}Nn iptables-nft-restore "$G/nft.rules")
  LOAD_F=$(timed ip netns exec ${TAG}Fn nft -f "$G/nftables.nft")
  start_proxy S "$G/skiff.json" --cgroup "$CG"; LOAD_S=$LOADED
  start_proxy X "$G/skiff.json" --no-socket-lb --xdp-devices ${TAG}Xnc --xdp-mode native
  LOAD_X=$LOADED
  ONE_L=$([ "$LOAD_L" = timeout ] && echo "-" || timed ip netns exec ${TAG}Ln iptables-legacy-restore --noflush "$G/legacy-one.rules")
  ONE_N=$([ "$LOAD_N" = timeout ] && echo "-" || timed ip netns exec ${TAG}Nn iptables-nft-restore --noflush "$G/nft-one.rules")
  ONE_F=$([ "$LOAD_F" = timeout ] && echo "-" || timed ip netns exec ${TAG}Fn nft -f "$G/nftables-one.nft")
  echo "load $N legacy=$LOAD_L nft=$LOAD_N nftables=$LOAD_F skiff=$LOAD_S skiff_xdp=$LOAD_X one_legacy=$ONE_L one_nft=$ONE_N one_nftables=$ONE_F" >>"$RES"

  for r in $(seq 1 "$ROUNDS"); do
    for peer in direct legacy nft nftables skiff-sock skiff-tc skiff-xdp; do
      case $peer in
        direct) t=S ip=10.211.0.2 port=8080 sock=no ;;
        legacy) t=L ip=$VIP port=80 sock=no; [ "$LOAD_L" = timeout ] && continue ;;
        nft) t=N ip=$VIP port=80 sock=no; [ "$LOAD_N" = timeout ] && continue ;;
        nftables) t=F ip=$VIP port=80 sock=no; [ "$LOAD_F" = timeout ] && continue ;;
        skiff-sock) t=S ip=$VIP port=80 sock=sock ;;
        skiff-tc) t=S ip=$VIP port=80 sock=no ;;
        skiff-xdp) t=X ip=$VIP port=80 sock=no ;;
      esac
      read -r KA P99 < <(run_wrk $t $ip $port $sock keepalive)
      read -r NC _ < <(run_wrk $t $ip $port $sock close)
      echo "run $N $peer $r $KA $P99 $NC" >>"$RES"
    done
  done
done

python3 "$HERE/report.py" "$RES"
