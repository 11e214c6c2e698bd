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
  # Both forms: the state file (inside "gateway-state { }") and get-state's.
  echo "$state" | awk '
    $1 == "gateway-state" && $2 == "{" { next }
    $NF == "{" { if (depth == 0) { section = $1; if (section == "inbound-sa") sa = "" } depth++; next }
    $1 == "}" {
      depth--
      if (depth == 0 && section == "inbound-sa") sas = sas "\n    " sa
      next
    }
    { key = $1; value = $2; gsub(";", "", value) }
    section == "inbound-sa" && (key == "queue" || key == "route" || key == "spi" ||
      key == "decrypt-errors" || key == "age" || key == "expires-in") { sa = sa key " " value " " }
    depth == 1 && (section == "private-interface" || section == "public-interface") &&
      (key == "rxpackets" || key == "txpackets" || key == "rxdrop" || key == "txdrop") ||
    depth == 1 && section == "key-manager" && (key == "keypairs-negotiated" ||
      key == "negotiations-initiated" || key == "negotiations-expired" ||
      key == "authentication-errors" || key == "outbound-sa-updated" || key == "inbound-sa-expired") ||
    depth == 1 && section == "private-router" && (key == "mtu-errors" || key == "route-errors") {
      line[section] = line[section] " " key "=" value
    }
    END {
      split("private-interface public-interface private-router key-manager", order, " ")
      for (i = 1; i <= 4; i++) if (order[i] in line) printf "  %-18s%s\n", order[i], line[order[i]]
      printf "  inbound SAs:%s\n", sas == "" ? " none" : sas
    }'
done

echo
echo "== kubectl get nodes (on kube-node-paris)"
lab_kubectl get nodes 2>&1 | sed 's/^/  /'
