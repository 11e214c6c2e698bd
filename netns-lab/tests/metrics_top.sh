#!/bin/bash
# Monitoring a real gateway in the netns lab (lib/topology.sh):
#   metrics_top.sh STRAIT BACKEND
# Two gateways negotiate SAs (key-exchange mode) and carry ping; paris runs
# with --metrics 127.0.0.1:9100 (its namespace's loopback). Checks: the
# scrape passes `promtool check metrics` and counts the traffic and the
# SAs; other paths are 404; `strait top NAME --once` shows rates and the
# negotiated SAs. Root only; everything lives in namespaces named after
# this shell's pid and is removed on exit; every wait is bounded.
set -u
STRAIT=$1 BACKEND=$2
HERE=$(cd "$(dirname "$0")" && pwd)
P="sm$$"
. "$HERE/../lib/two_site_test.sh"
NAME_paris="m-paris-$$" NAME_tokyo="m-tokyo-$$"

name_of() { local v="NAME_$1"; echo "${!v}"; }

start() {  # start SITE [OPTIONS...]
  local site=$1 name
  shift
  name=$(name_of "$site")
  ip netns exec "$P-gw-$site" "$STRAIT" run --name "$name" "--$BACKEND" "$@" \
    --config "$TMP/$site.conf" >>"$TMP/$site.log" 2>&1 &
  PID[$site]=$!
  lab_wait_state "$name" "${PID[$site]}" ||
    fail "$site gateway exited at start-up or wrote no gateway-state within 10 s"
}

scrape() {  # scrape PATH: prints the status line, then the body
  ip netns exec "$P-gw-paris" timeout 10 /usr/bin/python3 -c '
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen("http://127.0.0.1:9100" + sys.argv[1], timeout=5)
    print(r.status); sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
' "$1"
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
[ -x /usr/bin/promtool ] || fail "promtool missing (Debian package prometheus, ci/install-deps)"
lab_two_sites_up "$P" || fail "cannot build the lab topology"
for site in paris tokyo; do lab_gateway_config $site key-exchange >"$TMP/$site.conf"; done

start paris --metrics 127.0.0.1:9100
start tokyo
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply"
lab_ping "$P" tokyo paris 10 || fail "tokyo -> paris: no ping reply"
sleep 1.5  # a state (and so a snapshot) taken after the pings

# keypairs-negotiated counts the key pairs paris initiated: when tokyo came
# up after paris's first proposal, tokyo's proposal was the one agreed and
# paris's own is agreed only once its negotiation-ttl has passed. Scrape
# until that is counted (the state, and so the exposition, is refreshed
# every second), for at most 8 s.
for ((i = 0; i < 16; i++)); do
  out=$(scrape /metrics)
  [ "$(head -n1 <<<"$out")" = 200 ] || fail "GET /metrics: $(head -n3 <<<"$out")"
  tail -n +2 <<<"$out" >"$TMP/metrics.txt"
  grep -Eq "^strait_key_manager_keypairs_negotiated_total\{instance=\"$NAME_paris\"\} [1-9]" \
    "$TMP/metrics.txt" && break
  sleep 0.5
done
lint=$(promtool check metrics <"$TMP/metrics.txt" 2>&1) || fail "promtool check metrics: $lint"
[ -z "$lint" ] || fail "promtool lint findings: $lint"
grep -Eq "^strait_private_interface_rx_packets_total\{instance=\"$NAME_paris\"\} [1-9]" \
  "$TMP/metrics.txt" || fail "no private rx packets counted: $(grep rx_packets "$TMP/metrics.txt")"
grep -Eq "^strait_key_manager_keypairs_negotiated_total\{instance=\"$NAME_paris\"\} [1-9]" \
  "$TMP/metrics.txt" || fail "no negotiated key pair counted"
grep -Eq "^strait_outbound_sas\{instance=\"$NAME_paris\",queue=\"1\"\} [1-9]" \
  "$TMP/metrics.txt" || fail "no outbound SA: $(grep outbound_sas "$TMP/metrics.txt")"
grep -Eq "^strait_outbound_sa_rekey_in_seconds\{.*spi=\"[0-9]+\"\} [0-9]+" "$TMP/metrics.txt" ||
  fail "no rekey-in gauge of an outbound SA"
[ "$(scrape /other | head -n1)" = 404 ] || fail "/other is not 404"

# strait top, one frame: the SAs negotiated, rates over a state interval.
top=$(timeout 20 "$STRAIT" top "$NAME_paris" --once 2>&1) || fail "strait top --once: $top"
grep -q "rates over" <<<"$top" || fail "strait top shows no rates: $top"
grep -Eq "^out +[^ ]+ +1 +[0-9]+ +[0-9]+s +[0-9]+[smh] +[0-9]+[smh]" <<<"$top" ||
  fail "strait top shows no outbound SA with its age and rekey time: $top"
grep -Eq "^in +[^ ]+ +1 +[0-9]+ +[0-9]+s" <<<"$top" || fail "strait top shows no inbound SA: $top"
# Over the control socket alone: a run directory with the socket and no
# state file (nor pid file) to fall back on.
mkdir -p "$TMP/socket-only"
ln -s "$STRAIT_RUN_DIR/$NAME_paris.sock" "$TMP/socket-only/$NAME_paris.sock"
top=$(STRAIT_RUN_DIR=$TMP/socket-only timeout 20 "$STRAIT" top "$NAME_paris" --once 2>&1) ||
  fail "strait top --once over the socket: $top"
grep -q "rates over" <<<"$top" || fail "strait top over the socket shows no rates: $top"
grep -Eq "^out +[^ ]+ +1 +[0-9]+ +[0-9]+s +[0-9]+[smh] +[0-9]+[smh]" <<<"$top" ||
  fail "strait top over the socket shows no outbound SA: $top"
rm "$TMP/socket-only/$NAME_paris.sock"
out=$(STRAIT_RUN_DIR=$TMP/socket-only timeout 20 "$STRAIT" top "$NAME_paris" --once 2>&1) &&
  fail "strait top answered without socket and state file: $out"
grep -q "no gateway named '$NAME_paris' is running" <<<"$out" || fail "no socket, no file: $out"

for site in paris tokyo; do
  lab_stop_site $site TERM || fail "$site gateway exited with status $? on SIGTERM"
done
echo "PASS: metrics and top, $BACKEND"
