#!/bin/bash
# `make lab-up`, `make lab-verify`, `make lab-down` end to end, on a copy of
# the lab of its own (LAB_PREFIX named after this shell's pid):
#   lab.sh STRAIT BACKEND WAN [CHECK...]
# BACKEND: xdp or af-packet; WAN: lan, paris-tokyo or lossy; CHECKs: those
# of lab-verify.sh (default all). Also checks: lab-up on a lab that is up
# says so and changes nothing; lab-down leaves no namespace, /etc/netns
# entry, run directory or process behind, and a second lab-down is
# harmless. Root only; the lab is removed on exit, whatever happens.
set -u
STRAIT=$1 BACKEND=$2 WAN=$3
shift 3
HERE=$(cd "$(dirname "$0")/.." && pwd)
export STRAIT LAB_BACKEND=$BACKEND LAB_WAN=$WAN LAB_PREFIX="lt$$"
export LAB_RUN_DIR=/run/strait-lab-$LAB_PREFIX

cleanup() { "$HERE/lab-down.sh" >/dev/null 2>&1; }
trap cleanup EXIT
trap 'exit 143' TERM INT

fail() {
  echo "FAIL: $*" >&2
  for log in "$LAB_RUN_DIR"/logs/*.log; do
    [ -f "$log" ] && { echo "--- $log:" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
echo "== lab-up (LAB_PREFIX=$LAB_PREFIX LAB_BACKEND=$BACKEND LAB_WAN=$WAN)"
"$HERE/lab-up.sh" || fail "lab-up failed"

echo "== lab-up again"
before=$(ip netns list | grep -c "^$LAB_PREFIX-")
out=$("$HERE/lab-up.sh" 2>&1) || fail "a second lab-up failed: $out"
echo "$out"
echo "$out" | grep -q "already up" || fail "a second lab-up did not say the lab is up"
[ "$(ip netns list | grep -c "^$LAB_PREFIX-")" = "$before" ] || fail "a second lab-up changed the namespaces"

echo "== lab-verify $*"
"$HERE/lab-verify.sh" "$@" || fail "lab-verify failed"

if [ "$WAN" = paris-tokyo ]; then
  # The internet's delay shows: about 220 ms round trip across the tunnel.
  rtt=$(ip netns exec "$LAB_PREFIX-kube-node-paris" timeout 15 ping -c 3 -i 0.3 -W 2 kube-node-tokyo |
    awk -F/ '/^rtt/ { print int($5) }')
  echo "paris-tokyo round trip: ${rtt:-none} ms"
  [ -n "$rtt" ] && [ "$rtt" -ge 180 ] && [ "$rtt" -le 400 ] ||
    fail "round trip ${rtt:-none} ms, expected about 220 ms"
fi

echo "== lab-status"
"$HERE/lab-status.sh" || fail "lab-status failed"

echo "== lab-down"
pids=$(cat "$LAB_RUN_DIR"/pids/*.pid 2>/dev/null)
"$HERE/lab-down.sh" || fail "lab-down failed"
left=$(ip netns list | grep "^$LAB_PREFIX-")
[ -z "$left" ] || fail "namespaces left behind: $left"
ls -d /etc/netns/"$LAB_PREFIX"-* 2>/dev/null && fail "/etc/netns entries left behind"
[ -e "$LAB_RUN_DIR" ] && fail "$LAB_RUN_DIR left behind"
for pid in $pids; do
  kill -0 "$pid" 2>/dev/null && fail "process $pid still running: $(tr '\0' ' ' </proc/$pid/cmdline)"
done
out=$("$HERE/lab-down.sh") || fail "a second lab-down failed"
echo "$out" | grep -q "no lab" || fail "a second lab-down: $out"
echo "PASS: lab ($BACKEND, $WAN)"
