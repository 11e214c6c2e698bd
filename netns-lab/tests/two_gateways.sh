#!/bin/bash
# Two strait gateways in the netns lab (lib/topology.sh), end to end:
#   two_gateways.sh STRAIT MODE BACKEND
# MODE: data-plane (static SAs) or key-exchange; BACKEND: af-packet or xdp.
# Checks: start-up errors are reported; ping works both ways between the
# hosts; a second instance of a name is refused; (key-exchange) a SIGKILLed
# gateway restarted under the same name brings the tunnel back; SIGTERM
# stops both gateways with status 0, leaving no process and no pid file.
# Root only. Everything lives in namespaces named after this shell's pid and
# is removed on exit, whatever happens; every wait is bounded.
set -u
STRAIT=$1 MODE=$2 BACKEND=$3
HERE=$(cd "$(dirname "$0")" && pwd)
P="sd$$"
. "$HERE/../lib/two_site_test.sh"
NAME_paris="t-paris-$$" NAME_tokyo="t-tokyo-$$"

name_of() { local v="NAME_$1"; echo "${!v}"; }

start() {  # start SITE: runs its gateway in the background, waits for its state file
  local site=$1 name
  name=$(name_of "$site")
  lab_start_gateway "$P" "$site" "$name" "$BACKEND" "$TMP/$site.conf" "$TMP/$site.log" ||
    fail "$site gateway exited at start-up or wrote no gateway-state within 10 s"
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
lab_two_sites_up "$P" || fail "cannot build the lab topology"
for site in paris tokyo; do lab_gateway_config $site "$MODE" >"$TMP/$site.conf"; done

# Start-up errors: say what is wrong, exit non-zero.
printf 'private-interface4 {\n  ifname priv0;\n  ip nonsense;\n}\n' >"$TMP/bad.conf"
out=$(ip netns exec "$P-gw-paris" timeout 10 "$STRAIT" run --name "bad-$$" "--$BACKEND" \
  --config "$TMP/bad.conf" 2>&1) && fail "a bad configuration was accepted"
echo "$out" | grep -Eq "bad.conf:[0-9]+:[0-9]+: " || fail "bad configuration error without its position: $out"
out=$(ip netns exec "$P-wan" timeout 10 "$STRAIT" run --name "bad-$$" "--$BACKEND" \
  --config "$TMP/paris.conf" 2>&1) && fail "started without its interfaces"
echo "$out" | grep -q "no interface 'priv0'" || fail "missing interface not named: $out"

start paris
start tokyo
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply"
lab_ping "$P" tokyo paris 10 || fail "tokyo -> paris: no ping reply"
lab_ping_address "$P-host-paris" 10.1.0.1 2 ||
  fail "the paris gateway does not answer ping on its private address"

# A second instance with the same name is refused.
out=$(ip netns exec "$P-gw-paris" timeout 10 "$STRAIT" run --name "$NAME_paris" "--$BACKEND" \
  --config "$TMP/paris.conf" 2>&1) && fail "a second instance named $NAME_paris started"
echo "$out" | grep -q "already running (pid ${PID[paris]})" || fail "second instance: $out"

# The state file reports the traffic (refreshed every 2 s).
sleep 2.5
state=$STRAIT_RUN_DIR/$NAME_paris/gateway-state
grep -q "gateway-state" "$state" || fail "no gateway-state in $state"
grep -Eq "rxpackets [1-9]" "$state" || fail "gateway-state counts no received packet: $(head -c 600 "$state")"

if [ "$MODE" = key-exchange ]; then
  # SIGKILL leaves a stale pid file; the same name starts again and the
  # tunnel comes back once the new SAs are negotiated.
  lab_stop_site paris KILL
  [ -f "$STRAIT_RUN_DIR/$NAME_paris/pid" ] || fail "no stale pid file after SIGKILL"
  start paris
  lab_ping "$P" paris tokyo 30 || fail "paris -> tokyo: no ping reply after the restart"
  lab_ping "$P" tokyo paris 10 || fail "tokyo -> paris: no ping reply after the restart"
fi

for site in paris tokyo; do
  pid=${PID[$site]}
  lab_stop_site $site TERM || fail "$site gateway exited with status $? on SIGTERM (254: still running after 10 s)"
  [ -e "/proc/$pid" ] && fail "$site gateway process $pid is still there"
  [ -e "$STRAIT_RUN_DIR/$(name_of $site)/pid" ] && fail "$site pid file left behind"
  [ -z "$(ip netns pids "$P-gw-$site")" ] || fail "processes left in $P-gw-$site"
done
grep -q "stopped" "$TMP/paris.log" || fail "no clean stop in the paris log"
grep -q "key exchange on its own thread" "$TMP/paris.log" ||
  fail "the paris log does not say the key exchange runs on its own thread"
echo "PASS: two gateways, $MODE, $BACKEND"
