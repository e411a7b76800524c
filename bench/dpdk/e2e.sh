#!/usr/bin/env bash
# End-to-end forwarding on the same virtual device, in one run, interleaved:
#
#   gen ns --veth-- [dut ns: d0 ... d1] --veth-- sink ns (backends 10.88.1.11-13)
#
#   generator: dpdk-testpmd txonly on net_af_packet(g0), 64-byte UDP to the
#              VIP 10.88.0.100:9 from 65,536 source addresses, on CPU 0
#   DUTs (CPU 1):
#     testpmd-io   dpdk-testpmd io forwarding d0 -> d1 (net_af_packet): the ceiling
#     skiff-dpdk-busy  skiff-proxy --engine=dpdk, full NAT, ports d0 and d1
#                  (net_af_packet), polling without pause like testpmd
#     skiff-dpdk   the same with its default idle back-off (--dpdk-idle-sleep-us=50)
#     skiff-ebpf   skiff-proxy (eBPF engine, TC on d0) + kernel forwarding
#     iptables     kube-proxy's iptables pattern (iptables-nft) + kernel forwarding
#   measured: packets reaching the sink's veth per second, and CPU 1's busy time.
#
# Kernel work follows the DUT: RPS steers d0's receive processing to CPU 1,
# so every DUT pays for its own ingress on its own core; the sink drops the
# test traffic at XDP (bench/dpdk/sink.bpf.c, native on s1), which runs where
# d1 transmits (CPU 1) and costs next to nothing, so CPU 0 only generates.
# 2 MiB hugepages are reserved for the run (DPDK processes, --in-memory) and
# given back at the end. Everything created is removed on exit, also on
# failure. Prints a Markdown table.
#
# usage: bench/dpdk/e2e.sh [BUILD_DIR] [ROUNDS] [SECONDS]
set -euo pipefail

BUILD=${1:-build}
ROUNDS=${2:-3}
SECS=${3:-4}
BIN=$(cd "$BUILD/bin" && pwd)
P=dkb$$
G=${P}g D=${P}d S=${P}s
DIR=$(mktemp -d /tmp/skiff-dpdk-e2e.XXXXXX)
PINROOT=/sys/fs/bpf/skiff-bench-$$
HUGE_BEFORE=$(cat /proc/sys/vm/nr_hugepages)
PIDS=()

cleanup() {
  set +e
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [ -e "/run/netns/$D" ]; then
    ip netns exec "$D" "$BIN/skiff-proxy" --cleanup --bpf-root "$PINROOT" >/dev/null 2>&1
  fi
  rm -rf "$PINROOT" "/var/run/dpdk/dut$$" "/var/run/dpdk/gen$$"
  for ns in $G $D $S; do ip netns del "$ns" 2>/dev/null; done
  echo "$HUGE_BEFORE" >/proc/sys/vm/nr_hugepages
  rm -rf "$DIR"
}
trap cleanup EXIT

echo $((HUGE_BEFORE + 320)) >/proc/sys/vm/nr_hugepages  # 640 MiB: two DPDK processes at a time

for ns in $G $D $S; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$G" link add g0 type veth peer name d0 netns "$D"
ip -n "$D" link add d1 type veth peer name s1 netns "$S"
for pair in "$G g0" "$D d0" "$D d1" "$S s1"; do
  set -- $pair
  ip netns exec "$1" ethtool -K "$2" tx off gro off >/dev/null 2>&1 || true
  ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
  ip -n "$1" link set "$2" up
done
ip netns exec "$D" sh -c 'echo 2 > /sys/class/net/d0/queues/rx-0/rps_cpus'
clang -target bpf -O2 -I"/usr/include/$(gcc -print-multiarch)" \
  -c "$(dirname "$0")/sink.bpf.c" -o "$DIR/sink.o"
ip -n "$S" link set dev s1 xdpdrv obj "$DIR/sink.o" sec xdp
for i in 11 12 13; do ip -n "$S" addr add 10.88.1.$i/24 dev s1; done
ip netns exec "$S" sysctl -qw net.ipv4.icmp_msgs_per_sec=0 net.ipv4.icmp_msgs_burst=0
ip netns exec "$D" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.d0.rp_filter=0 \
  net.ipv4.conf.default.rp_filter=0
D0_MAC=$(ip -n "$D" -br link show d0 | awk '{print $3}')

cat >"$DIR/services.yaml" <<EOF
kind: Service
metadata: {name: bench}
spec:
  type: LoadBalancer
  clusterIP: 10.96.0.88
  ports: [{name: u, port: 9, targetPort: 9, protocol: UDP}]
status: {loadBalancer: {ingress: [{ip: 10.88.0.100}]}}
---
kind: EndpointSlice
metadata: {name: bench-1, labels: {kubernetes.io/service-name: bench}}
addressType: IPv4
endpoints: [{addresses: [10.88.1.11]}, {addresses: [10.88.1.12]}, {addresses: [10.88.1.13]}]
ports: [{name: u, port: 9, protocol: UDP}]
EOF

kernel_addrs() {  # on|off: the kernel's addresses and forwarding in the DUT namespace
  ip -n "$D" addr flush dev d0
  ip -n "$D" addr flush dev d1
  if [ "$1" = on ]; then
    ip -n "$D" addr add 10.88.0.1/24 dev d0
    ip -n "$D" addr add 10.88.1.1/24 dev d1
    ip netns exec "$D" sysctl -qw net.ipv4.ip_forward=1
  else
    ip netns exec "$D" sysctl -qw net.ipv4.ip_forward=0
  fi
  ip -n "$D" neigh flush all
}

start_bg() {  # LOG CMD...: background process, pid in $LAST
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  LAST=$!
  PIDS+=("$LAST")
}

stop_bg() {  # PID [SIGNAL]
  kill "-${2:-TERM}" "$1" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cpu1_busy() {  # jiffies CPU 1 spent not idle
  awk '$1 == "cpu1" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
cpu1_total() {
  awk '$1 == "cpu1" { t = 0; for (i = 2; i <= 9; i++) t += $i; print t }' /proc/stat
}
rx_s1() { ip netns exec "$S" cat /sys/class/net/s1/statistics/rx_packets; }
tx_g0() { ip netns exec "$G" cat /sys/class/net/g0/statistics/tx_packets; }

start_dut() {  # NAME: starts the DUT on CPU 1, waits until it forwards
  case $1 in
    testpmd-io)
      kernel_addrs off
      start_bg "$DIR/dut.log" taskset -c 1 ip netns exec "$D" dpdk-testpmd --lcores='0@1,1@1' \
        --in-memory -m 256 --no-pci --file-prefix "dut$$" --vdev net_af_packet0,iface=d0 \
        --vdev net_af_packet1,iface=d1 --log-level='*:warning' -- --forward-mode=io \
        --port-topology=paired --total-num-mbufs=8192 --stats-period=100
      sleep 2 ;;
    skiff-dpdk | skiff-dpdk-busy)
      kernel_addrs off
      local idle=50
      [ "$1" = skiff-dpdk-busy ] && idle=0
      start_bg "$DIR/dut.log" taskset -c 1 ip netns exec "$D" "$BIN/skiff-proxy" --engine=dpdk \
        --static-services "$DIR/services.yaml" --listen 127.0.0.1:10252 --dpdk-lcores=1 \
        --dpdk-hugepages=on --dpdk-memory-mb=256 --dpdk-mbufs=8191 --dpdk-idle-sleep-us=$idle \
        "--dpdk-port=net_af_packet0,iface=d0;addr=10.88.0.1/24" \
        "--dpdk-port=net_af_packet1,iface=d1;addr=10.88.1.1/24"
      for _ in $(seq 100); do
        ip netns exec "$D" curl -s --max-time 1 http://127.0.0.1:10252/metrics 2>/dev/null |
          grep -q '^skiff_dpdk_neighbors{state="resolved"} 3' && break
        sleep 0.1
      done ;;
    skiff-ebpf)
      kernel_addrs on
      start_bg "$DIR/dut.log" taskset -c 1 ip netns exec "$D" "$BIN/skiff-proxy" \
        --static-services "$DIR/services.yaml" --bpf-root "$PINROOT" --devices d0,d1 \
        --no-socket-lb --listen 127.0.0.1:10253 --node-name bench
      for _ in $(seq 100); do grep -q 'first sync complete' "$DIR/dut.log" && break; sleep 0.1; done ;;
    iptables)
      kernel_addrs on
      ip netns exec "$D" sh -e <<'EOF'
iptables -t nat -N KUBE-SERVICES
iptables -t nat -A PREROUTING -j KUBE-SERVICES
iptables -t nat -N KUBE-SVC-BENCH
iptables -t nat -A KUBE-SERVICES -d 10.88.0.100/32 -p udp --dport 9 -j KUBE-SVC-BENCH
for i in 1 2 3; do iptables -t nat -N KUBE-SEP-$i; done
iptables -t nat -A KUBE-SVC-BENCH -m statistic --mode random --probability 0.33333333349 -j KUBE-SEP-1
iptables -t nat -A KUBE-SVC-BENCH -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-2
iptables -t nat -A KUBE-SVC-BENCH -j KUBE-SEP-3
for i in 1 2 3; do iptables -t nat -A KUBE-SEP-$i -p udp -j DNAT --to-destination 10.88.1.1$i:9; done
EOF
      LAST="" ;;
  esac
  DUT_PID=$LAST
}

stop_dut() {
  case $1 in
    iptables) ip netns exec "$D" iptables -t nat -F; ip netns exec "$D" iptables -t nat -X
      ip netns exec "$D" sh -c 'command -v conntrack >/dev/null && conntrack -F' >/dev/null 2>&1 || true ;;
    skiff-ebpf) stop_bg "$DUT_PID" TERM
      ip netns exec "$D" "$BIN/skiff-proxy" --cleanup --bpf-root "$PINROOT" >/dev/null 2>&1 || true ;;
    *) stop_bg "$DUT_PID" INT ;;
  esac
}

measure() {  # NAME -> "pps offered busy%"
  start_bg "$DIR/gen.log" taskset -c 0 ip netns exec "$G" dpdk-testpmd --lcores='0@0,1@0' \
    --in-memory -m 256 --no-pci --file-prefix "gen$$" --vdev net_af_packet0,iface=g0 \
    --log-level='*:warning' -- --forward-mode=txonly --eth-peer="0,$D0_MAC" \
    --tx-ip=10.88.0.2,10.88.0.100 --tx-udp=1024,9 --txonly-multi-flow --txpkts=64 \
    --total-num-mbufs=8192 --stats-period=100
  local gen=$LAST
  sleep 1.5  # warm-up: flows established, ARP resolved
  local r0 t0 b0 c0 r1 t1 b1 c1
  r0=$(rx_s1); t0=$(tx_g0); b0=$(cpu1_busy); c0=$(cpu1_total)
  sleep "$SECS"
  r1=$(rx_s1); t1=$(tx_g0); b1=$(cpu1_busy); c1=$(cpu1_total)
  stop_bg "$gen" INT
  echo "$(((r1 - r0) / SECS)) $(((t1 - t0) / SECS)) $((100 * (b1 - b0) / (c1 - c0)))"
}

DUTS=(testpmd-io skiff-dpdk-busy skiff-dpdk skiff-ebpf iptables)
declare -A RATE OFFER BUSY
for round in $(seq "$ROUNDS"); do
  for dut in "${DUTS[@]}"; do
    start_dut "$dut"
    read -r rate offered busy < <(measure "$dut")
    stop_dut "$dut"
    RATE[$dut]+="$rate "
    OFFER[$dut]+="$offered "
    BUSY[$dut]+="$busy "
    echo "round $round $dut: $rate pps delivered, $offered offered, CPU1 $busy%" >&2
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
ratios() {  # per-round ratio of $1 to testpmd-io, median
  local -a a=(${RATE[$1]}) b=(${RATE[testpmd-io]})
  local out=""
  for i in "${!a[@]}"; do out+="$(awk -v x="${a[$i]}" -v y="${b[$i]}" 'BEGIN { printf "%.3f", (y > 0) ? x / y : 0 }') "; done
  echo "$out" | tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'
}

echo "| DUT (CPU 1) | delivered kpps (median of $ROUNDS) | per round | offered kpps | CPU 1 busy | ratio to testpmd io (median of per-round ratios) |"
echo "|---|---|---|---|---|---|"
for dut in "${DUTS[@]}"; do
  m=$(echo "${RATE[$dut]}" | median)
  o=$(echo "${OFFER[$dut]}" | median)
  b=$(echo "${BUSY[$dut]}" | median)
  per=$(for x in ${RATE[$dut]}; do printf '%d ' $((x / 1000)); done)
  echo "| $dut | $((m / 1000)) | ${per% } | $((o / 1000)) | ${b}% | $(ratios "$dut") |"
done
