#!/bin/bash
# lab-down.sh: removes the lab of lab-up.sh (same LAB_PREFIX): stops its
# processes (gateways, link emulator, API server, kube-join, anything else
# running in a lab namespace), deletes the namespaces (and with them every
# lab interface), their /etc/netns entries and the run directory.
# Idempotent; bounded (every stop waits 10 s at most, then SIGKILL).
set -euo pipefail
. "$(dirname "$0")/lib/lab.sh"

[ "$(id -u)" = 0 ] || { echo "lab-down: needs root (network namespaces)" >&2; exit 1; }

removed=0
# The lab's own processes first, gateways last (SIGTERM, so they clean
# their XDP programs and run files up).
if [ -d "$LAB_RUN_DIR/pids" ]; then
  for name in kube-join-tokyo apiserver wan vita-paris vita-tokyo; do
    if lab_running "$name"; then
      echo "lab-down: stopping $name (pid $(lab_pid "$name"))"
      removed=1
    fi
    lab_stop "$name"
  done
  for pidfile in "$LAB_RUN_DIR"/pids/*.pid; do
    [ -f "$pidfile" ] && lab_stop "$(basename "$pidfile" .pid)"
  done
fi
for role in $LAB_ALL_ROLES; do
  ns=$(lab_ns "$role")
  if lab_ns_exists "$ns"; then
    # Anything else still running in the namespace (a shell's iperf3 -D...).
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    if [ -n "$pids" ]; then
      echo "lab-down: killing what still runs in $ns: $(echo "$pids" | tr '\n' ' ')"
      # shellcheck disable=SC2086  # a list of pids
      kill -KILL $pids 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        [ -z "$(ip netns pids "$ns" 2>/dev/null || true)" ] && break
        sleep 0.1
      done
    fi
    ip netns del "$ns"
    echo "lab-down: removed namespace $ns"
    removed=1
  fi
  if [ -d "/etc/netns/$ns" ]; then
    rm -f "/etc/netns/$ns/hosts"
    rmdir "/etc/netns/$ns" 2>/dev/null || true
  fi
done
if [ -d "$LAB_RUN_DIR" ]; then
  rm -rf "$LAB_RUN_DIR"
  removed=1
fi
if [ $removed = 1 ]; then
  echo "lab-down: the lab${LAB_PREFIX:+ $LAB_PREFIX} is down"
else
  echo "lab-down: no lab${LAB_PREFIX:+ $LAB_PREFIX} to remove"
fi
