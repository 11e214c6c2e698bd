#!/bin/bash
# Faults on two running gateways in the netns lab (issue 13, item 8):
#   faults.sh STRAIT BACKEND
# 1. Static SAs (data-plane), SIGKILL under load: paris is killed while UDP
#    flows and started again; every ESP packet it sends (captured on the
#    wire) has a sequence number above all it sent before (no nonce twice).
# 2. A full disk: the run directory (a 1 MiB tmpfs) filled up: forwarding
#    goes on (no datagram lost), the state file's failure is logged once;
#    a restart is refused with a message saying why (the static SAs'
#    sequence numbers cannot be reserved) and works once there is room.
# 3. An unwritable state directory (read-only bind mount, in the gateway's
#    mount namespace): forwarding goes
#    on, logged once, and "written again" once it is writable.
# 4. Key exchange, SIGKILL under load: the tunnel is back both ways within
#    negotiation-ttl (2 s) plus 5 s (measured and printed).
# 5. Failed configuration changes (invalid value, a change that needs a
#    restart, a missing interface, a malformed value) while UDP flows:
#    refused, `config get /` and the SAs unchanged, no datagram lost.
# 6. The public interface down for 2 s, then up: logged both ways, the
#    gateway sleeps meanwhile (no core spinning), traffic resumes.
# 7. The public interface deleted: the gateway stops within 3 s with status
#    1 and a message saying the interface is gone.
# Root only (exit 77, CTest: Skipped, without root or a tool); namespaces
# named after this shell's pid, the tmpfs mounted under the test's
# directory, all removed on exit; every wait bounded. About 50 s.
set -u
STRAIT=$1 BACKEND=${2:-af-packet}
HERE=$(cd "$(dirname "$0")" && pwd)
P="fa$$"
. "$HERE/../lib/skip.sh"
lab_skip_unless_lab ip ethtool ping iperf3 tcpdump nsenter mount dd df timeout
. "$HERE/../lib/two_site_test.sh"
NAME_paris="fa-paris-$$" NAME_tokyo="fa-tokyo-$$"
UDP_COUNT="$HERE/../lib/udp_count.py"
CAPTURE=
test_cleanup() {
  [ -n "$CAPTURE" ] && kill "$CAPTURE" 2>/dev/null
  lab_kill_all
  sleep 0.2
  umount -l "$STRAIT_RUN_DIR" 2>/dev/null
}

name_of() { local v="NAME_$1"; echo "${!v}"; }
cfg() { timeout 20 "$STRAIT" config "$@"; }
now() { date +%s.%N; }
elapsed() { /usr/bin/python3 -c "print('%.2f' % ($(now) - $1))"; }

start() {  # start SITE MODE: writes SITE's configuration for MODE and starts it
  local site=$1 mode=$2
  lab_gateway_config "$site" "$mode" >"$TMP/$site.conf"
  lab_start_gateway "$P" "$site" "$(name_of "$site")" "$BACKEND" "$TMP/$site.conf" \
    "$TMP/$site.log" || fail "$site gateway did not start ($mode)"
}

# udp FROM TO COUNT INTERVAL: COUNT numbered datagrams FROM's host -> TO's
# host; prints how many distinct ones arrived.
udp() {
  local from=$1 to=$2 count=$3 interval=$4 receiver
  ip netns exec "$P-host-$to" /usr/bin/python3 "$UDP_COUNT" receive 9000 2 >"$TMP/received" &
  receiver=$!
  sleep 0.3
  ip netns exec "$P-host-$from" /usr/bin/python3 "$UDP_COUNT" send "$(lab_site_net "$to").2" \
    9000 "$count" "$interval"
  wait "$receiver"
  cat "$TMP/received"
}

# cpu_ticks PID: user + system clock ticks the process used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# outbound_spi SITE: the SPI of SITE's outbound SA(s), space separated.
sa_spis() {
  cfg get-state "$(name_of "$1")" / --json | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)["gateway-state"]
print(" ".join(sorted("out:%d" % sa["spi"] for sa in s.get("outbound-sa", [])) +
               sorted("in:%d" % sa["spi"] for sa in s.get("inbound-sa", []))))'
}

lab_two_sites_up "$P" || fail "cannot build the lab topology"
mkdir -p "$STRAIT_RUN_DIR"
mount -t tmpfs -o size=1m,mode=0755 strait-faults "$STRAIT_RUN_DIR" || fail "cannot mount a tmpfs"

# --- 1. Static SAs: SIGKILL under load, sequence numbers on the wire.
start paris data-plane
start tokyo data-plane
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply (data-plane)"
# ESP from paris, as it arrives at the WAN router (headers only).
ip netns exec "$P-wan" tcpdump -n -i to-paris -s 64 -U -w "$TMP/esp.pcap" esp \
  >"$TMP/tcpdump.log" 2>&1 &
CAPTURE=$!
sleep 1
ip netns exec "$P-host-tokyo" timeout 30 iperf3 -s -1 -B 10.2.0.2 >"$TMP/iperf-server.log" 2>&1 &
sleep 0.5
ip netns exec "$P-host-paris" timeout 30 iperf3 -c 10.2.0.2 -u -b 20M -l 1000 -t 5 \
  >"$TMP/iperf-client.log" 2>&1 &
IPERF=$!
sleep 2
lab_stop_site paris KILL
killed_at=$(now)
start paris data-plane
echo "static SAs: paris killed under load, restarted in $(elapsed "$killed_at") s"
wait "$IPERF"
# The restarted gateway's own ESP in the capture, however long its start
# took on a busy machine (iperf3 may have ended before it forwarded).
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply after the restart"
sleep 0.5
kill "$CAPTURE"
wait "$CAPTURE" 2>/dev/null
CAPTURE=
# Sequence numbers of SPI 1001 (paris -> tokyo), in wire order: strictly
# increasing across the restart (which jumped to the next reserved block).
/usr/bin/python3 - "$TMP/esp.pcap" <<'PY' || fail "ESP sequence numbers across the restart (above)"
import struct, sys
data = open(sys.argv[1], "rb").read()
little = data[:4] == b"\xd4\xc3\xb2\xa1"
e = "<" if little else ">"
link = struct.unpack(e + "I", data[20:24])[0]
offset, sequences = 24, []
while offset + 16 <= len(data):
    _, _, caplen, _ = struct.unpack(e + "IIII", data[offset:offset + 16])
    frame = data[offset + 16:offset + 16 + caplen]
    offset += 16 + caplen
    ip = frame[14:] if link == 1 else frame
    if len(ip) < 28 or ip[9] != 50:
        continue
    header = (ip[0] & 15) * 4
    spi, sequence = struct.unpack(">II", ip[header:header + 8])
    if spi == 1001:
        sequences.append(sequence)
back = [(i, a, b) for i, (a, b) in enumerate(zip(sequences, sequences[1:])) if b <= a]
jumps = [(a, b) for a, b in zip(sequences, sequences[1:]) if b - a > 1000]
print("static SAs: %d ESP packets of SPI 1001 captured, sequence %d .. %d, jumps %s"
      % (len(sequences), sequences[0] if sequences else 0, sequences[-1] if sequences else 0,
         jumps))
if len(sequences) < 1000 or back or len(jumps) != 1:
    print("FAIL: expected one jump above the old high-water mark and never a step back;"
          " steps back: %s" % back[:5])
    sys.exit(1)
PY
[ -s "$STRAIT_RUN_DIR/$NAME_paris/static-sa-sequences" ] || fail "no static-sa-sequences file"
lab_ping "$P" paris tokyo 10 || fail "paris -> tokyo: no ping reply after the restart"

# --- 2. A full disk.
dd if=/dev/zero of="$STRAIT_RUN_DIR/fill" bs=4k >/dev/null 2>&1
[ "$(df --output=avail "$STRAIT_RUN_DIR" | tail -1)" -le 4 ] || fail "the tmpfs is not full"
got=$(udp paris tokyo 500 0.005)
echo "full disk: $got of 500 datagrams paris -> tokyo"
[ "$got" = 500 ] || fail "full disk: $got of 500 datagrams arrived"
sleep 1
n=$(grep -c "gateway-state.new: No space left on device" "$TMP/paris.log")
[ "$n" = 1 ] || fail "full disk: the state file's failure logged $n times (expected once)"
cfg get-state "$NAME_paris" /gateway-state/private-interface/rxpackets >/dev/null ||
  fail "full disk: get-state does not answer"
lab_stop_site paris KILL
out=$(ip netns exec "$P-gw-paris" timeout 10 "$STRAIT" run --name "$NAME_paris" "--$BACKEND" \
  --config "$TMP/paris.conf" 2>&1) && fail "full disk: paris started without room to reserve"
echo "$out" | grep -q "cannot reserve sequence numbers for the static SAs" ||
  fail "full disk: the refusal does not say why: $out"
echo "full disk: restart refused: $(echo "$out" | tail -1)"
rm -f "$STRAIT_RUN_DIR/fill"
start paris data-plane
lab_ping "$P" paris tokyo 10 || fail "paris -> tokyo: no ping reply with room again"

# --- 3. An unwritable state directory.
# In the gateway's own mount namespace (ip netns exec gave it one).
in_paris_mounts() { nsenter --target "${PID[paris]}" --mount -- "$@"; }
if ! in_paris_mounts mount --bind "$STRAIT_RUN_DIR/$NAME_paris" "$STRAIT_RUN_DIR/$NAME_paris" ||
  ! in_paris_mounts mount -o remount,bind,ro "$STRAIT_RUN_DIR/$NAME_paris"; then
  fail "cannot make the directory read-only"
fi
got=$(udp tokyo paris 500 0.005)
echo "read-only state directory: $got of 500 datagrams tokyo -> paris"
[ "$got" = 500 ] || fail "read-only: $got of 500 datagrams arrived"
n=$(grep -c "gateway-state.new: Read-only file system" "$TMP/paris.log")
[ "$n" = 1 ] || fail "read-only: the state file's failure logged $n times (expected once)"
in_paris_mounts umount "$STRAIT_RUN_DIR/$NAME_paris" || fail "cannot unmount the read-only bind mount"
for ((i = 0; i < 30; i++)); do
  grep -q "gateway-state written again" "$TMP/paris.log" && break
  sleep 0.1
done
grep -q "gateway-state written again" "$TMP/paris.log" || fail "no 'written again' in the log"

# --- 4. Key exchange: SIGKILL under load, time to the tunnel's return.
for site in paris tokyo; do lab_stop_site $site TERM || fail "$site: status $? on SIGTERM"; done
start paris key-exchange
start tokyo key-exchange
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply (key exchange)"
lab_ping "$P" tokyo paris 10 || fail "tokyo -> paris: no ping reply (key exchange)"
ip netns exec "$P-host-tokyo" timeout 30 iperf3 -s -1 -B 10.2.0.2 >"$TMP/iperf-server.log" 2>&1 &
sleep 0.5
ip netns exec "$P-host-paris" timeout 30 iperf3 -c 10.2.0.2 -u -b 20M -l 1000 -t 10 \
  >"$TMP/iperf-client.log" 2>&1 &
IPERF=$!
sleep 1
# Echo requests every 100 ms from host-tokyo throughout (timestamped
# replies: each one crossed the tunnel both ways).
ip netns exec "$P-host-tokyo" timeout 30 ping -D -n -i 0.1 -c 200 -W 1 10.1.0.2 \
  >"$TMP/ping.log" 2>&1 &
PING=$!
sleep 1
lab_stop_site paris KILL
killed=$(now)
start paris key-exchange
started=$(now)
for ((i = 0; i < 100; i++)); do
  back=$(awk -v t="$started" -F'[][]' '/bytes from/ && $2 > t {print $2; exit}' "$TMP/ping.log")
  [ -n "$back" ] && break
  sleep 0.1
done
kill "$PING" 2>/dev/null
wait "$PING" 2>/dev/null
[ -n "$back" ] || fail "the tunnel was not back within 10 s of the restart"
read -r since_start outage < <(/usr/bin/python3 -c "print('%.2f %.2f' % ($back - $started, $back - $killed))")
echo "key exchange: paris killed under load and restarted ($(/usr/bin/python3 -c "print('%.2f' % ($started - $killed))") s to start); the tunnel carried ping both ways again $since_start s after it was running (outage $outage s; bound: negotiation-ttl 2 s + 5 s)"
/usr/bin/python3 -c "import sys; sys.exit(0 if $since_start <= 7 else 1)" ||
  fail "the tunnel was not back both ways within 7 s"
wait "$IPERF"

# --- 5. Failed configuration changes leave configuration and traffic as they were.
cfg get "$NAME_paris" / >"$TMP/config-before" || fail "config get /"
spis=$(sa_spis paris)
ip netns exec "$P-host-paris" /usr/bin/python3 "$UDP_COUNT" receive 9000 2 >"$TMP/received" &
receiver=$!
sleep 0.3
ip netns exec "$P-host-tokyo" /usr/bin/python3 "$UDP_COUNT" send 10.1.0.2 9000 1000 0.004 &
sender=$!
sleep 0.3
out=$(echo 99999 | cfg set "$NAME_paris" /mtu 2>&1) && fail "mtu 99999 accepted"
echo "$out" | grep -q "stdin:1:1: " || fail "mtu 99999: $out"
out=$(echo true | cfg set "$NAME_paris" /data-plane 2>&1) && fail "data-plane change accepted"
echo "$out" | grep -q "needs a restart" || fail "data-plane change: $out"
out=$(echo nosuch0 | cfg set "$NAME_paris" '/public-interface4[ip=198.51.100.10]/ifname' 2>&1) && fail "ifname nosuch0 accepted"
echo "$out" | grep -q "no interface 'nosuch0'" || fail "ifname nosuch0: $out"
out=$(printf 'id osaka;\nnet {\n' | cfg add "$NAME_paris" /route4 2>&1) && fail "a malformed route accepted"
wait "$sender"
wait "$receiver"
got=$(cat "$TMP/received")
echo "failed configuration changes: 4 refused, $got of 1000 datagrams tokyo -> paris meanwhile"
[ "$got" = 1000 ] || fail "failed changes: $got of 1000 datagrams arrived"
cfg get "$NAME_paris" / | cmp -s - "$TMP/config-before" || fail "a refused change changed get /"
[ "$(sa_spis paris)" = "$spis" ] || fail "the SAs changed: $spis -> $(sa_spis paris)"

# --- 6. The public interface down and up again.
pid=${PID[paris]}
before=$(cpu_ticks "$pid")
sleep 2
idle=$(($(cpu_ticks "$pid") - before))
ip -n "$P-gw-paris" link set pub0 down
sleep 0.3
before=$(cpu_ticks "$pid")
sleep 2
down=$(($(cpu_ticks "$pid") - before))
ip -n "$P-gw-paris" link set pub0 up
went_up=$(now)
lab_ping "$P" paris tokyo 10 || fail "paris -> tokyo: no ping reply after pub0 came up"
echo "interface down: paris used $idle CPU ticks in 2 s idle, $down while pub0 was down; traffic back $(elapsed "$went_up") s after up"
[ "$down" -le $((idle + 30)) ] || fail "the gateway spun while pub0 was down ($down ticks in 2 s)"
for ((i = 0; i < 30; i++)); do
  grep -q "pub0 (queue 1 public) is up again" "$TMP/paris.log" && break
  sleep 0.1
done
grep -q "interface pub0 (queue 1 public) is down" "$TMP/paris.log" || fail "pub0 down not logged"
grep -q "interface pub0 (queue 1 public) is up again" "$TMP/paris.log" || fail "pub0 up not logged"
before=$(cpu_ticks "$pid")
sleep 1
after_up=$(($(cpu_ticks "$pid") - before))
[ "$after_up" -le $((idle + 20)) ] || fail "the gateway spins after pub0 came up ($after_up ticks in 1 s)"

# --- 7. The public interface deleted: a clear exit, never running on.
ip -n "$P-gw-paris" link del pub0
deleted=$(now)
for ((i = 0; i < 30; i++)); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "paris still runs 3 s after pub0 was deleted"
wait "$pid"
status=$?
PID[paris]=
echo "interface deleted: paris exited with status $status after $(elapsed "$deleted") s"
[ "$status" = 1 ] || fail "paris exited with status $status after pub0 was deleted"
grep -q "strait run: interface pub0 (queue 1 public) is gone" "$TMP/paris.log" ||
  fail "the exit does not say pub0 is gone"
lab_stop_site tokyo TERM || fail "tokyo: status $? on SIGTERM"
echo "PASS: faults, $BACKEND"
