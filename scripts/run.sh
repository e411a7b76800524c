#!/usr/bin/env bash
# The main job: sets up the machine, builds Skiff, starts a one-node cluster
# on the embedded store, applies examples/ and shows it working.
#
#   scripts/run.sh          start (or restart) the cluster and show it
#   scripts/run.sh --stop   stop the cluster this script started
#
# State lives in $SKIFF_HOME (default /var/lib/skiff-demo): the database,
# certificates, admin.conf, and one log file per daemon. netctl finds the
# cluster through ~/.skiff/config, which this script points at admin.conf.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
home=${SKIFF_HOME:-/var/lib/skiff-demo}
bin=$root/build/bin
pids=$home/pids

stop() {
  if [ -f "$pids" ]; then
    while read -r name pid; do
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        echo "stopped $name (pid $pid)"
      fi
    done <"$pids"
    rm -f "$pids"
  fi
}

if [ "${1:-}" = "--stop" ]; then
  stop
  exit 0
fi

scripts/setup.sh
scripts/build.sh
stop
mkdir -p "$home"

start() {  # name, then the command
  local name=$1
  shift
  "$@" >"$home/$name.log" 2>&1 &
  echo "$name $!" >>"$pids"
  echo "started $name (pid $!, log $home/$name.log)"
}

start skiff-server "$bin/skiff-server" --data-dir "$home" --listen 127.0.0.1:6443 \
  --metrics-listen 127.0.0.1:6444
for _ in $(seq 100); do [ -s "$home/admin.conf" ] && "$bin/netctl" --config "$home/admin.conf" version >/dev/null 2>&1 && break; sleep 0.1; done
mkdir -p ~/.skiff
cp "$home/admin.conf" ~/.skiff/config
chmod 600 ~/.skiff/config
netctl() { "$bin/netctl" "$@"; }

echo
echo "\$ netctl version"
netctl version
echo
echo "\$ netctl apply -f examples/"
netctl apply -f examples/
echo
echo "\$ netctl get all -A -o wide"
netctl get all -A -o wide
echo
echo "\$ netctl get namespaces"
netctl get namespaces
echo
echo "The cluster keeps running. Try: $bin/netctl get svc -A;  stop it with: scripts/run.sh --stop"
