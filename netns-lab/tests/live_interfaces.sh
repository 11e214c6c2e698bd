#!/bin/bash
# Interfaces changed on running gateways (strait config), in the netns lab:
#   live_interfaces.sh STRAIT BACKEND
# Both gateways start with one public interface (pub0, queue 1; key
# exchange). Each then gets a second one live (pub1, queue 2) and its peer
# a route gateway for it: eight TCP flows each way must use both queues
# (both public interfaces carry ESP). Paris's queue 2 then moves to another
# public address, tokyo's route gateway with it: traffic flows on both
# queues again, and paris's queue 1 was not rebuilt. A change to a
# nonexistent ifname is refused with the reason, leaves `config get /`
# byte-identical and traffic flowing. Finally queue 2 goes again on both
# sides and traffic flows on queue 1. Root only; namespaces named after
# this shell's pid, removed on exit; every wait bounded.
set -u
STRAIT=$1 BACKEND=${2:-af-packet}
HERE=$(cd "$(dirname "$0")" && pwd)
P="li$$"
. "$HERE/../lib/two_site_test.sh"
declare -A NAME
NAME[paris]="li-paris-$$"
NAME[tokyo]="li-tokyo-$$"

cfg() { timeout 20 "$STRAIT" config "$@"; }

host_of() { echo "$(lab_site_net "$1").2"; }

tx_packets() {
  ip -n "$1" -s -j link show "$2" | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'
}

# tcp SERVER-SITE CLIENT-SITE: eight TCP flows for 2 s, CLIENT to SERVER.
tcp() {
  local server=$1 client=$2 i
  ip netns exec "$P-host-$server" timeout 20 iperf3 -s -1 -B "$(host_of "$server")" \
    >"$TMP/iperf-server.log" 2>&1 &
  local pid=$!
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$P-host-$server" ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.1
  done
  ip netns exec "$P-host-$client" timeout 15 iperf3 -c "$(host_of "$server")" -t 2 -P 8 \
    >"$TMP/iperf-client.log" 2>&1
  local status=$?
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ $status = 0 ] || fail "iperf3 $client -> $server: $(tail -n 3 "$TMP/iperf-client.log")"
}

# both_queues_carry LABEL IFNAMES...: TCP both ways; every listed public
# interface of both gateways sent far more than a few ARP packets.
carry() {
  local label=$1 site ifname sent
  shift
  declare -A before
  for site in paris tokyo; do
    for ifname in "$@"; do before[$site-$ifname]=$(tx_packets "$P-gw-$site" "$ifname"); done
  done
  tcp tokyo paris
  tcp paris tokyo
  for site in paris tokyo; do
    for ifname in "$@"; do
      sent=$(($(tx_packets "$P-gw-$site" "$ifname") - before[$site-$ifname]))
      echo "$label: $site $ifname sent $sent packets"
      [ "$sent" -gt 500 ] || fail "$label: $site $ifname sent only $sent packets"
    done
  done
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
lab_two_sites_up "$P" 2 || fail "cannot build the lab topology"
for site in paris tokyo; do
  # The two-queue configuration without queue 2: pub1 exists but is unused.
  lab_gateway_config $site key-exchange 2 | /usr/bin/python3 -c '
import re, sys
text = sys.stdin.read()
text = re.sub(r"public-interface4 \{\n  ifname pub1;.*?\n\}\n", "", text, flags=re.S)
text = re.sub(r"  gateway \{ ip [0-9.]+\.11; queue 2; \}\n", "", text)
sys.stdout.write(text)' >"$TMP/$site.conf"
  grep -q pub1 "$TMP/$site.conf" && fail "pub1 left in $site.conf"
  lab_start_gateway "$P" $site "${NAME[$site]}" "$BACKEND" "$TMP/$site.conf" "$TMP/$site.log" ||
    fail "$site did not start"
done
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply with one queue"

# Queue 2 added on both sides, and each peer's route gateway for it.
for site in paris tokyo; do
  other=$(lab_other_site $site)
  printf 'ifname pub1;\nip %s.11;\nnexthop-ip %s.1;\nnexthop-mac %s;\nqueue 2;\n' \
    "$(lab_site_wan $site)" "$(lab_site_wan $site)" "$(lab_wan_mac $site)" |
    cfg add "${NAME[$site]}" /public-interface4 || fail "$site: add /public-interface4"
  printf 'ip %s.11;\nqueue 2;\n' "$(lab_site_wan "$other")" |
    cfg add "${NAME[$site]}" "/route4[id=$other]/gateway" || fail "$site: add route gateway"
done
grep -q "queue 2 added on" "$TMP/paris.log" || fail "no 'queue 2 added' in the paris log"
grep -q "queue 1 rebuilt (its share of the private interface changed: queues were added" "$TMP/paris.log" ||
  fail "queue 1 was not rebuilt for its new share of priv0"
grep -q "SAs are negotiated afresh" "$TMP/paris.log" || fail "renegotiation not logged"
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply after adding queue 2"
carry "two queues added live" pub0 pub1
# strait top over the control socket (no state file beside it): rates of
# each queue.
mkdir -p "$TMP/socket-only"
ln -s "$STRAIT_RUN_DIR/${NAME[paris]}.sock" "$TMP/socket-only/${NAME[paris]}.sock"
top=$(STRAIT_RUN_DIR=$TMP/socket-only timeout 20 "$STRAIT" top "${NAME[paris]}" --once 2>&1) ||
  fail "strait top over the socket: $top"
for q in all 1 2; do
  grep -Eq "^private +$q +[0-9.]+[kMG]? " <<<"$top" || fail "strait top: no private row for queue $q: $top"
  grep -Eq "^public +$q +[0-9.]+[kMG]? " <<<"$top" || fail "strait top: no public row for queue $q: $top"
done

# Paris's queue 2 moves to 198.51.100.12; tokyo follows.
paris_q1_rebuilds=$(grep -c "queue 1 stopped to be rebuilt" "$TMP/paris.log")
echo 198.51.100.12 | cfg set "${NAME[paris]}" '/public-interface4[ip=198.51.100.11]/ip' ||
  fail "set paris queue 2 ip"
echo 198.51.100.12 | cfg set "${NAME[tokyo]}" '/route4[id=paris]/gateway[ip=198.51.100.11]/ip' ||
  fail "set tokyo's route gateway for paris queue 2"
[ "$(cfg get "${NAME[paris]}" '/public-interface4[queue=2]/ip' 2>/dev/null ||
  cfg get "${NAME[paris]}" '/public-interface4[ip=198.51.100.12]/ip')" = 198.51.100.12 ] ||
  fail "paris queue 2 ip not changed"
[ "$(grep -c "queue 1 stopped to be rebuilt" "$TMP/paris.log")" = "$paris_q1_rebuilds" ] ||
  fail "paris queue 1 was rebuilt for a change of queue 2 only"
grep -q "queue 2 rebuilt (public-interface ip changed)" "$TMP/paris.log" ||
  fail "no 'queue 2 rebuilt' in the paris log"
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply after the ip change"
carry "queue 2 on a new address" pub0 pub1
# The WAN router reached paris's queue 2 at its new address (its ARP answer).
ip -n "$P-wan" neigh show 198.51.100.12 | grep -q lladdr ||
  fail "the WAN router never resolved 198.51.100.12: $(ip -n "$P-wan" neigh show)"

# Refused: a nonexistent interface. Nothing changes, traffic flows on.
cfg get "${NAME[paris]}" / >"$TMP/before"
out=$(echo nosuch$$ | cfg set "${NAME[paris]}" '/public-interface4[ip=198.51.100.12]/ifname' 2>&1) &&
  fail "ifname nosuch$$ accepted"
echo "$out" | grep -q "queue 2: no interface 'nosuch$$' (public-interface ifname) in this network namespace" ||
  fail "ifname nosuch$$: $out"
echo "$out" | grep -q "nothing changed" || fail "refusal does not say nothing changed: $out"
cfg get "${NAME[paris]}" / | cmp -s - "$TMP/before" || fail "a refused change changed get /"
carry "after a refused change" pub0 pub1

# Queue 2 removed again: route gateways first (a gateway needs its queue).
for site in paris tokyo; do
  other=$(lab_other_site $site)
  own=$(lab_site_wan $site).11
  [ $site = paris ] && own=198.51.100.12
  peer=$(lab_site_wan "$other").11
  [ $other = paris ] && peer=198.51.100.12
  cfg remove "${NAME[$site]}" "/route4[id=$other]/gateway[ip=$peer]" ||
    fail "$site: remove route gateway $peer"
  cfg remove "${NAME[$site]}" "/public-interface4[ip=$own]" || fail "$site: remove queue 2"
  cfg get "${NAME[$site]}" / | grep -q pub1 && fail "$site: pub1 still configured"
done
grep -q "queue 2 removed" "$TMP/paris.log" || fail "no 'queue 2 removed' in the paris log"
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply after removing queue 2"
carry "queue 2 removed" pub0
grep -qi "c0ffee00" "$TMP/paris.log" && fail "key material in the log"

for site in paris tokyo; do
  lab_stop_site $site TERM || fail "$site exited with status $? on SIGTERM"
done
echo "PASS: interfaces changed live, $BACKEND"
