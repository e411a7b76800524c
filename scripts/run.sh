#!/usr/bin/env bash
# The main job: sets up the machine, builds Skiff and starts a one-node
# cluster on the embedded store, then applies examples/ and shows it working:
# pods running with addresses from skiff-cni, a Service name resolving
# through skiff-dns, its ClusterIP answering through skiff-proxy.
#
#   scripts/run.sh          start (or restart) the cluster and show it
#   scripts/run.sh --stop   delete the workloads and stop what this script started
#
# The daemons: skiff-server (API, controllers, scheduler; SQLite store),
# skiff-agent (this node; pods via the CNI chain in /etc/cni/net.d),
# skiff-proxy (eBPF Service load balancing), and skiff-dns, which runs as a
# host-network pod in kube-system (deploy/cluster-dns.yaml). State lives in
# $SKIFF_HOME (default /var/lib/skiff-demo): database, certificates,
# admin.conf and one log per daemon. netctl finds the cluster through
# ~/.skiff/config, which this script points at admin.conf.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
home=${SKIFF_HOME:-/var/lib/skiff-demo}
bin=$root/build/bin
pids=$home/pids
node=$(hostname)

netctl() { "$bin/netctl" --config "$home/admin.conf" "$@"; }
show() {
  echo
  echo "\$ $*"
  "$@"
}

stop() {
  if [ -f "$pids" ]; then
    # Pods first, while the agent still runs to tear them down (netns, veths, addresses).
    if netctl version >/dev/null 2>&1; then
      netctl delete -f examples/ --ignore-not-found >/dev/null 2>&1 || true
      netctl delete -f deploy/ --ignore-not-found >/dev/null 2>&1 || true
      for _ in $(seq 60); do
        [ -z "$(netctl get pods -A -o name 2>/dev/null)" ] && break
        sleep 0.5
      done
    fi
    tac "$pids" | while read -r name pid; do
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        echo "stopped $name (pid $pid)"
      fi
    done
    rm -f "$pids"
    "$bin/skiff-proxy" --cleanup >/dev/null 2>&1 || true
  fi
}

if [ "${1:-}" = "--stop" ]; then
  stop
  exit 0
fi

scripts/setup.sh
scripts/build.sh
stop
mkdir -p "$home" /etc/skiff

# Install like a node would be prepared: binaries on PATH (pods run the
# node's own binaries), the CNI plugin and its network config.
install -m 0755 "$bin"/skiff-{server,agent,shim,proxy,dns,cni,hello} "$bin"/netctl /usr/local/bin/
cni/install.sh --build-dir "$root/build" >/dev/null

start() {  # name, then the command
  local name=$1
  shift
  "$@" >"$home/$name.log" 2>&1 &
  echo "$name $!" >>"$pids"
  echo "started $name (pid $!, log $home/$name.log)"
}
wait_for() {  # description, then a command that succeeds when ready
  local what=$1
  shift
  for _ in $(seq 240); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "run.sh: timed out waiting for $what; logs in $home" >&2
  return 1
}

# Every address, as kube-apiserver and k3s: pods reach the API through the `kubernetes`
# Service (10.96.0.1:443), whose endpoint is this host's address (TLS and tokens as always).
start skiff-server /usr/local/bin/skiff-server --data-dir "$home" --listen 0.0.0.0:6443 \
  --metrics-listen 127.0.0.1:6444
wait_for "skiff-server" netctl version
mkdir -p ~/.skiff
cp "$home/admin.conf" ~/.skiff/config
chmod 600 ~/.skiff/config

netctl create token --node "$node" --duration 8760h --config-out "$home/agent.conf" >/dev/null
start skiff-agent /usr/local/bin/skiff-agent --config "$home/agent.conf" --node-name "$node" \
  --cluster-dns 10.96.0.10
start skiff-proxy /usr/local/bin/skiff-proxy --config "$home/admin.conf"
node_ready() { netctl get node "$node" | grep -qw Ready; }
wait_for "node $node to be Ready" node_ready

# Cluster DNS: its ServiceAccount and token first (the pod reads it at
# start), then the rest of deploy/cluster-dns.yaml.
netctl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: skiff-dns, namespace: kube-system}
YAML
netctl create token skiff-dns -n kube-system --duration 8760h \
  --config-out /etc/skiff/cluster-dns.conf >/dev/null
netctl apply -f deploy/cluster-dns.yaml >/dev/null

show netctl apply -f examples/
show netctl rollout status deployment/web --timeout 120s
netctl rollout status deployment/skiff-dns -n kube-system --timeout 120s >/dev/null
client_running() { netctl get pod client | grep -qw Running; }
wait_for "pod client to run" client_running

show netctl get nodes -o wide
show netctl get pods -A -o wide
show netctl get services,endpoints,endpointslices -A
echo
echo "# each web pod answers on its own address (routed by skiff-cni):"
for ip in $(netctl get pods -l app=web -o json | sed -n 's/.*"podIP": *"\([^"]*\)".*/\1/p'); do
  echo "\$ curl -s http://$ip:8080/"
  curl -s -m 3 "http://$ip:8080/" || echo "(no answer)"
done
vip=$(netctl get service web -o json | sed -n 's/.*"clusterIP": *"\([^"]*\)".*/\1/p' | head -1)
show dig +short @10.96.0.10 web.default.svc.cluster.local
show dig +short @10.96.0.10 -x "$vip"
show curl -s -m 3 "http://$vip/"
show netctl lb backends default/web
sleep 4
show netctl logs client --tail 3
echo
echo "# inside the client pod: glibc resolves the short name through skiff-dns (search path"
echo "# from the pod's resolv.conf), and the ClusterIP answers through skiff-proxy:"
show netctl exec client -- getent hosts web
show netctl exec client -- getent hosts kubernetes.default
show netctl exec client -- curl -s -m 3 http://web/
echo
echo "The cluster keeps running (netctl is installed: try 'netctl get all -A')."
echo "Stop it with: scripts/run.sh --stop"
