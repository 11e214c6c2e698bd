#!/bin/bash
# strait config and strait ps against two running gateways in the netns lab:
#   config_control.sh STRAIT BACKEND
# Checks every verb and path form, rejected transactions (get / stays
# byte-identical), routes added and removed while UDP flows on another
# route without losing a datagram, get-state counters against the traffic
# sent, SIGHUP reload (good and bad file), unknown instance, malformed
# path and value, garbage on the socket, non-root refused. Root only;
# namespaces named after this shell's pid, removed on exit.
set -u
STRAIT=$1 BACKEND=${2:-af-packet}
HERE=$(cd "$(dirname "$0")" && pwd)
P="cc$$"
. "$HERE/../lib/two_site_test.sh"
chmod 755 "$TMP"
NAME="c-paris-$$"
RECEIVER=
test_cleanup() { [ -n "$RECEIVER" ] && kill "$RECEIVER" 2>/dev/null; }

cfg() { timeout 20 "$STRAIT" config "$@"; }
expect() {  # expect WHAT EXPECTED ACTUAL
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
lab_two_sites_up "$P" || fail "cannot build the lab topology"
for site in paris tokyo; do lab_gateway_config $site key-exchange >"$TMP/$site.conf"; done
lab_start_gateway "$P" paris "$NAME" "$BACKEND" "$TMP/paris.conf" "$TMP/paris.log" ||
  fail "paris did not start"
lab_start_gateway "$P" tokyo "c-tokyo-$$" "$BACKEND" "$TMP/tokyo.conf" "$TMP/tokyo.log" ||
  fail "tokyo did not start"
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply"

# strait ps, the socket.
"$STRAIT" ps | grep -Eq "^$NAME +${PID[paris]} +running +$STRAIT_RUN_DIR/$NAME.sock" ||
  fail "strait ps: $("$STRAIT" ps)"
[ "$(stat -c %a "$STRAIT_RUN_DIR/$NAME.sock")" = 600 ] || fail "socket mode is not 0600"
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z strait\['"$NAME"'\] info: running' "$TMP/paris.log" ||
  fail "no timestamped start line in the log"

# get: each path form.
cfg get "$NAME" / >"$TMP/before" || fail "get /"
grep -q '^  nexthop-ip 10.1.0.2;$' "$TMP/before" || fail "get /: $(cat "$TMP/before")"
# What get --secrets prints, set / takes back, changing nothing.
cfg get "$NAME" / --secrets | cfg set "$NAME" / || fail "set / of get / --secrets"
cfg get "$NAME" / | cmp -s - "$TMP/before" || fail "set / of get / changed get /"
grep -q 'preshared-key "(secret)";' "$TMP/before" || fail "get / shows the pre-shared key"
cfg get "$NAME" / --secrets | grep -q c0ffee00 || fail "get --secrets hides the key"
expect "get /mtu" 1400 "$(cfg get "$NAME" /mtu)"
expect "get /route4[id=tokyo]/spi" 1234 "$(cfg get "$NAME" '/route4[id=tokyo]/spi')"
expect "get gateway ip" 203.0.113.10 "$(cfg get "$NAME" '/route4[id=tokyo]/gateway[ip=203.0.113.10]/ip')"
expect "get container" "$(printf 'ifname priv0;\nip 10.1.0.1;\nnexthop-ip 10.1.0.2;')" \
  "$(cfg get "$NAME" /private-interface4)"
cfg get "$NAME" /route4 | grep -q '^route4 {' || fail "get /route4"
expect "get --json /mtu" 1400 "$(cfg get "$NAME" /mtu --json)"
cfg get "$NAME" / --json | grep -q '"route4":\[{"id":"tokyo"' || fail "get --json /"

# Errors: unknown instance, malformed path, malformed value, rejected.
out=$(cfg get "nobody-$$" / 2>&1) && fail "unknown instance answered"
expect "unknown instance" "strait config: no running instance 'nobody-$$': strait ps lists them" "$out"
out=$(cfg get "$NAME" '/route4[id=tokyo' 2>&1) && fail "malformed path accepted"
echo "$out" | grep -q "malformed path at column 17: expected ']'" || fail "malformed path: $out"
out=$(echo '99999' | cfg set "$NAME" /mtu 2>&1) && fail "mtu 99999 accepted"
echo "$out" | grep -q "stdin:1:1: " || fail "rejected mtu without position: $out"
out=$(printf 'id osaka;\nnet {\n' | cfg add "$NAME" /route4 2>&1) && fail "malformed value accepted"
echo "$out" | grep -q "stdin:3:1: " || fail "malformed value without position: $out"
out=$(echo nosuch0 | cfg set "$NAME" /private-interface4/ifname 2>&1) && fail "ifname nosuch0 accepted"
echo "$out" | grep -q "no interface 'nosuch0' (private-interface ifname) in this network namespace" ||
  fail "ifname nosuch0: $out"
out=$(echo true | cfg set "$NAME" /data-plane 2>&1) && fail "data-plane change accepted"
echo "$out" | grep -q "changing data-plane needs a restart" || fail "data-plane change: $out"
cfg get "$NAME" / | cmp -s - "$TMP/before" || fail "a rejected transaction changed get /"
# sa-ttl below 4 x negotiation-ttl (2 s here): applied, with a warning to
# the user and in the log.
out=$(echo 7 | cfg set "$NAME" /sa-ttl 2>&1) || fail "sa-ttl 7 refused: $out"
echo "$out" | grep -q "^strait config: warning: sa-ttl 7 is less than 4 x negotiation-ttl (2)" ||
  fail "no sa-ttl warning: $out"
grep -q "warning: configuration: sa-ttl 7 is less than 4 x negotiation-ttl" "$TMP/paris.log" ||
  fail "sa-ttl warning not logged"
expect "sa-ttl" 7 "$(cfg get "$NAME" /sa-ttl)"
out=$(cfg remove "$NAME" /sa-ttl 2>&1) || fail "remove /sa-ttl: $out"
[ -z "$out" ] || fail "remove /sa-ttl (default 600) warned: $out"
cfg get "$NAME" / | cmp -s - "$TMP/before" || fail "get / after sa-ttl and back differs"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$STRAIT" config get "$NAME" / 2>&1) &&
  fail "a non-root user was served"
echo "$out" | grep -q "permission denied" || fail "non-root: $out"
# Garbage and a half request on the socket.
printf 'hello there\n' | timeout 5 socat - "UNIX-CONNECT:$STRAIT_RUN_DIR/$NAME.sock" |
  grep -q "^error" || fail "garbage got no error"
printf 'set /mtu 100\n12' | timeout 5 socat -t 0 - "UNIX-CONNECT:$STRAIT_RUN_DIR/$NAME.sock" >/dev/null
/usr/bin/python3 - "$STRAIT_RUN_DIR/$NAME.sock" >"$TMP/oversized" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
try:
    s.sendall(b"x" * 100000)
except OSError:
    pass  # the gateway stopped reading: its answer is waiting
print(s.recv(4096).decode(errors="replace"))
PY
grep -q "longer than 4096" "$TMP/oversized" || fail "oversized header: $(cat "$TMP/oversized")"
kill -0 "${PID[paris]}" || fail "paris died on bad clients"

# Routes come and go while UDP flows on the tokyo route: no datagram lost.
ip netns exec "$P-host-tokyo" /usr/bin/python3 "$HERE/../lib/udp_count.py" receive 9000 4 \
  >"$TMP/received" &
RECEIVER=$!
sleep 0.5
rx_before=$(cfg get-state "$NAME" /gateway-state/private-interface/rxpackets)
ip netns exec "$P-host-paris" /usr/bin/python3 "$HERE/../lib/udp_count.py" send 10.2.0.2 9000 300 0.02 &
SENDER=$!
for i in 1 2 3; do
  printf 'id osaka;\ngateway { ip 192.0.2.%d; }\nnet "10.9.%d.0/24";\npreshared-key "%s";\nspi %d;\n' \
    "$i" "$i" "$(printf '%064d' "$i")" $((2000 + i)) | cfg add "$NAME" /route4 ||
    fail "add /route4 (round $i)"
  expect "osaka spi" $((2000 + i)) "$(cfg get "$NAME" '/route4[id=osaka]/spi')"
  echo 1380 | cfg set "$NAME" /mtu || fail "set /mtu"
  cfg remove "$NAME" '/route4[id=osaka]' || fail "remove osaka (round $i)"
  echo 1400 | cfg set "$NAME" /mtu || fail "set /mtu back"
  sleep 0.5
done
wait "$SENDER"
wait "$RECEIVER"
RECEIVER=
expect "UDP datagrams through the tunnel during reconfiguration" 300 "$(cat "$TMP/received")"
rx_after=$(cfg get-state "$NAME" /gateway-state/private-interface/rxpackets)
delta=$((rx_after - rx_before))
[ "$delta" -ge 300 ] && [ "$delta" -le 330 ] ||
  fail "private-interface rxpackets grew by $delta for 300 datagrams sent"
q1=$(cfg get-state "$NAME" /gateway-state/private-interface/rxpackets --queue 1)
[ "$q1" -ge "$rx_after" ] || fail "--queue 1 rxpackets $q1 < $rx_after"
cfg get-state "$NAME" / --json | grep -q '"gateway-state":{"private-interface":{"rxbytes":' ||
  fail "get-state --json"
cfg get "$NAME" / | cmp -s - "$TMP/before" || fail "get / after add/remove differs"

# SIGHUP reloads the file as one transaction.
sed -i 's/mtu 1400;/mtu 1300;/' "$TMP/paris.conf"
kill -HUP "${PID[paris]}"
for ((i = 0; i < 50; i++)); do [ "$(cfg get "$NAME" /mtu)" = 1300 ] && break; sleep 0.1; done
expect "mtu after SIGHUP" 1300 "$(cfg get "$NAME" /mtu)"
cfg get "$NAME" / >"$TMP/reloaded"
echo "mtu nonsense;" >>"$TMP/paris.conf"
kill -HUP "${PID[paris]}"
for ((i = 0; i < 50; i++)); do grep -q "SIGHUP: .* rejected" "$TMP/paris.log" && break; sleep 0.1; done
grep -q "SIGHUP: .* rejected, nothing changed" "$TMP/paris.log" || fail "bad reload not logged"
cfg get "$NAME" / | cmp -s - "$TMP/reloaded" || fail "a rejected reload changed the configuration"
lab_ping "$P" paris tokyo 5 || fail "no ping after the reloads"
grep -qi "c0ffee00" "$TMP/paris.log" && fail "key material in the log"

lab_stop_site paris TERM || fail "paris exited with status $? on SIGTERM"
[ -e "$STRAIT_RUN_DIR/$NAME.sock" ] && fail "socket left behind"
echo "PASS: strait config against a running gateway, $BACKEND"
