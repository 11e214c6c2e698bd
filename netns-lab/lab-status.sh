#!/bin/bash
# lab-status.sh: the lab of lab-up.sh (same LAB_PREFIX) on one screen: its
# processes, each gateway's state (strait config get-state NAME
# /gateway-state, or its gateway-state file) summarised, its SAs, and
# `kubectl get nodes`.
set -uo pipefail
. "$(dirname "$0")/lib/lab.sh"
. "$LAB_HERE/lib/kube.sh"
lab_load_settings

[ "$(id -u)" = 0 ] || { echo "lab-status: needs root" >&2; exit 1; }
if ! [ -f "$LAB_RUN_DIR/up" ]; then
  if lab_any_ns; then
    echo "lab${LAB_PREFIX:+ $LAB_PREFIX}: half built (namespaces but no completed lab-up): make lab-down"
  else
    echo "lab${LAB_PREFIX:+ $LAB_PREFIX}: down (make lab-up)"
  fi
  exit 1
fi
echo "lab${LAB_PREFIX:+ $LAB_PREFIX}: up, $(cat "$LAB_RUN_DIR/up")"
printf 'processes:'
for name in vita-paris vita-tokyo wan apiserver kube-join-tokyo; do
  [ -f "$LAB_RUN_DIR/pids/$name.pid" ] || continue
  if lab_running "$name"; then printf ' %s (%s)' "$name" "$(lab_pid "$name")"; else printf ' %s (STOPPED)' "$name"; fi
done
echo

STATE=$(mktemp /tmp/strait-lab-status.XXXXXX)
trap 'rm -f "$STATE"' EXIT
# The counters that tell a tunnel's health, per gateway, then its SAs.
for site in paris tokyo; do
  echo
  LAB_STATE_SOURCE=
  lab_gateway_state $site >"$STATE"  # not in a subshell: sets LAB_STATE_SOURCE
  state=$(cat "$STATE")
  echo "== vita-$site: ${LAB_STATE_SOURCE:-no state} (summary)"
  if [ -z "$state" ]; then
    echo "  (no state: is vita-$site running?)"
    continue
  fi
  echo "$state" | awk '
    /^  [a-z0-9-]+ \{/ { section = $1 }
    /^  inbound-sa \{/ { section = "inbound-sa" }
    section == "private-interface" && ($1 == "rxpackets" || $1 == "txpackets" || $1 == "rxdrop") ||
    section == "public-interface" && ($1 == "rxpackets" || $1 == "txpackets" || $1 == "rxdrop") ||
    section == "key-manager" && ($1 == "keypairs-negotiated" || $1 == "negotiations-initiated" ||
      $1 == "negotiations-expired" || $1 == "authentication-errors" || $1 == "outbound-sa-updated" ||
      $1 == "inbound-sa-expired") ||
    section == "private-router" && ($1 == "mtu-errors" || $1 == "route-errors") {
      gsub(";", "", $2); line[section] = line[section] " " $1 "=" $2
    }
    section == "inbound-sa" && $1 == "spi" { gsub(";", "", $2); spi = $2 }
    section == "inbound-sa" && $1 == "queue" { gsub(";", "", $2); queue = $2 }
    section == "inbound-sa" && $1 == "route" { gsub(";", "", $2); sas = sas sprintf("\n    queue %s route %s spi %s", queue, $2, spi) }
    section == "inbound-sa" && $1 == "decrypt-errors" { gsub(";", "", $2); sas = sas " decrypt-errors " $2 }
    END {
      split("private-interface public-interface private-router key-manager", order, " ")
      for (i = 1; i <= 4; i++) if (order[i] in line) printf "  %-18s%s\n", order[i], line[order[i]]
      printf "  inbound SAs:%s\n", sas == "" ? " none" : sas
    }'
done

echo
echo "== kubectl get nodes (on kube-node-paris)"
lab_kubectl get nodes 2>&1 | sed 's/^/  /'
