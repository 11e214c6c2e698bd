#!/bin/bash
# `strait wan` between two hosts in network namespaces:
#
#   P-ha (eth0 10.77.0.1) --- veth --- [P-wan: wa  strait wan  wb] --- veth --- P-hb (eth0 10.77.0.2)
#
#   wan.sh STRAIT [xdp]
# Checks: ping RTT with --delay 50 in [100, 150) ms; the default profile
# (paris-tokyo) gives about 220 ms; lossy loses some but not all of 200
# fast pings (and counts them); lan carries ping and iperf3 TCP; --mtu 1000
# drops a 1200-byte packet (counted) but carries a 900-byte one; an idle
# emulator sleeps (it uses far less than a core); bad arguments and missing
# interfaces fail with a message; SIGTERM stops it with final counters.
# With "xdp", the --delay 50 ping and lan iperf3 run again over AF_XDP.
# Root only. Everything lives in namespaces named after this shell's pid
# and is removed on exit, whatever happens; every wait is bounded.
set -u
STRAIT=$1 WITH_XDP=${2:-}
P="sw$$"
TMP=$(mktemp -d /tmp/strait-wan.XXXXXX)
WAN_PID=

cleanup() {
  [ -n "$WAN_PID" ] && kill -KILL "$WAN_PID" 2>/dev/null
  for ns in ha wan hb; do
    ip netns pids "$P-$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$P-$ns" 2>/dev/null
  done
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$TMP"/*.log; do
    [ -f "$f" ] && { echo "--- $f:" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

up() {
  local ns
  for ns in ha wan hb; do
    ip netns add "$P-$ns" || return 1
    ip -n "$P-$ns" link set lo up
    ip netns exec "$P-$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  done
  ip link add eth0 netns "$P-ha" type veth peer name wa netns "$P-wan" || return 1
  ip link add eth0 netns "$P-hb" type veth peer name wb netns "$P-wan" || return 1
  ip -n "$P-ha" addr add 10.77.0.1/24 dev eth0
  ip -n "$P-hb" addr add 10.77.0.2/24 dev eth0
  for ns in ha hb; do
    # Local traffic on a veth leaves its checksums to the "hardware": the
    # emulator forwards frames as they are, so they must be complete.
    ip netns exec "$P-$ns" ethtool --offload eth0 rx off tx off >/dev/null 2>&1
    ip -n "$P-$ns" link set eth0 up
  done
  ip -n "$P-wan" link set wa up
  ip -n "$P-wan" link set wb up
}

# start LABEL OPTIONS...: starts strait wan (log $TMP/LABEL.log) and waits
# for its start line.
start() {
  local label=$1 i
  shift
  ip netns exec "$P-wan" "$STRAIT" wan --between wa wb "$@" >"$TMP/$label.log" 2>&1 &
  WAN_PID=$!
  for ((i = 0; i < 100; i++)); do
    grep -q "strait wan: wa <-> wb" "$TMP/$label.log" && return 0
    kill -0 "$WAN_PID" 2>/dev/null || fail "$label: strait wan exited at start"
    sleep 0.1
  done
  fail "$label: no start line"
}

# stop LABEL: SIGTERM, waits (10 s at most) for the final counters.
stop() {
  local label=$1 i status
  kill -TERM "$WAN_PID"
  for ((i = 0; i < 100; i++)); do
    kill -0 "$WAN_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$WAN_PID" 2>/dev/null && fail "$label: still running 10 s after SIGTERM"
  wait "$WAN_PID"
  status=$?
  WAN_PID=
  [ $status = 0 ] || fail "$label: exit status $status after SIGTERM"
  grep -q "final wa->wb: forwarded" "$TMP/$label.log" || fail "$label: no final counters"
}

# counter LABEL DIRECTION NAME: a final counter ("loss", "mtu", ...).
counter() {
  grep "final $2:" "$TMP/$1.log" | sed -E "s/.* $3 ([0-9]+).*/\1/"
}

# rtt COUNT INTERVAL [PING-OPTIONS...]: "min avg max" in ms of pings from A
# to B, after one ping that lets the hosts resolve each other's address (ARP
# crosses the emulated link too: the first ping takes two round trips).
rtt() {
  local count=$1 interval=$2
  shift 2
  ip netns exec "$P-ha" timeout 10 ping -n -q -c 1 -W 2 10.77.0.2 >/dev/null
  ip netns exec "$P-ha" timeout 30 ping -n -q -c "$count" -i "$interval" -W 2 "$@" 10.77.0.2 |
    sed -nE 's|.* = ([0-9.]+)/([0-9.]+)/([0-9.]+)/.*|\1 \2 \3|p'
}

# received COUNT INTERVAL [PING-OPTIONS...]: replies received.
received() {
  local count=$1 interval=$2
  shift 2
  ip netns exec "$P-ha" timeout 60 ping -n -q -c "$count" -i "$interval" -W 2 "$@" 10.77.0.2 |
    sed -nE 's|.* ([0-9]+) received.*|\1|p'
}

in_range() {  # in_range VALUE LOW HIGH: LOW <= VALUE < HIGH
  /usr/bin/python3 -c "import sys; sys.exit(0 if $2 <= $1 < $3 else 1)"
}

iperf_tcp() {  # iperf_tcp LABEL: 2 s of TCP from A to B; prints bit/s
  local label=$1 i json
  ip netns exec "$P-hb" timeout 20 iperf3 -s -1 -B 10.77.0.2 >"$TMP/iperf-server-$label.log" 2>&1 &
  local server=$!
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$P-hb" ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.1
  done
  json=$(ip netns exec "$P-ha" timeout 15 iperf3 -c 10.77.0.2 -t 2 -J 2>"$TMP/iperf-client-$label.log")
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  echo "$json" | /usr/bin/python3 -c '
import json, sys
try:
    print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"])
except Exception:
    print(0)'
}

# cpu_seconds PID: user + system time of a process.
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"
}

up || fail "cannot build the namespaces"

# Errors: bad values and missing interfaces, before anything runs.
ip netns exec "$P-wan" "$STRAIT" wan --between wa wb --delay abc >"$TMP/bad.log" 2>&1
[ $? = 2 ] && grep -q -- "--delay 'abc'" "$TMP/bad.log" || fail "a bad --delay is not refused"
ip netns exec "$P-wan" "$STRAIT" wan --between wa wb --profile mars >"$TMP/bad.log" 2>&1
[ $? = 2 ] && grep -q "unknown profile 'mars'" "$TMP/bad.log" || fail "a bad --profile is not refused"
ip netns exec "$P-wan" "$STRAIT" wan --between wa nosuch0 >"$TMP/bad.log" 2>&1
[ $? = 1 ] && grep -q "nosuch0.*no such interface" "$TMP/bad.log" ||
  fail "a missing interface is not reported"
echo "errors: ok"

# --delay 50 (one way, both directions): RTT 100 ms and some.
start delay50 --profile lan --delay 50
read -r min avg max <<<"$(rtt 5 0.2)"
[ -n "${max:-}" ] || fail "delay50: no ping reply"
echo "delay 50: rtt min/avg/max $min/$avg/$max ms"
in_range "$min" 100 150 && in_range "$max" 100 150 || fail "delay50: rtt $min/$max not in [100, 150)"
# Idle for 2 s: an emulator that sleeps uses a small part of a core.
before=$(cpu_seconds "$WAN_PID")
sleep 2
after=$(cpu_seconds "$WAN_PID")
echo "delay 50: $(/usr/bin/python3 -c "print('%.2f' % ($after - $before))") s of CPU in 2 s idle"
in_range "$after - $before" 0 0.5 || fail "delay50: busy while idle ($before -> $after s of CPU)"
stop delay50

# The default profile: paris-tokyo, about 220 ms.
start default
read -r min avg max <<<"$(rtt 3 0.3)"
[ -n "${max:-}" ] || fail "paris-tokyo: no ping reply"
echo "paris-tokyo: rtt min/avg/max $min/$avg/$max ms"
in_range "$min" 218 260 && in_range "$max" 218 260 || fail "paris-tokyo: rtt $min/$max not in [218, 260)"
grep -q "profile paris-tokyo" "$TMP/default.log" || fail "default: not paris-tokyo"
stop default

# lossy: 2 % each way, so about 4 % of pings go unanswered.
start lossy --profile lossy --seed 1
got=$(received 200 0.01)
echo "lossy: $got of 200 pings answered"
[ -n "$got" ] && [ "$got" -gt 0 ] && [ "$got" -lt 200 ] || fail "lossy: $got of 200 answered"
stop lossy
lost=$(($(counter lossy wa-\>wb loss) + $(counter lossy wb-\>wa loss)))
[ "$lost" -gt 0 ] || fail "lossy: no loss counted"
echo "lossy: $lost frames lost (counted)"

# lan: ping and TCP.
start lan --profile lan
read -r min avg max <<<"$(rtt 3 0.2)"
[ -n "${max:-}" ] || fail "lan: no ping reply"
bps=$(iperf_tcp lan)
echo "lan: rtt max $max ms, TCP $(/usr/bin/python3 -c "print('%.1f' % ($bps / 1e6))") Mbit/s"
in_range "$bps" 1 1e15 || fail "lan: iperf3 TCP carried nothing"
stop lan

# --mtu 1000: larger packets are dropped (and counted), not fragmented.
start mtu --profile lan --mtu 1000
[ "$(received 2 0.2 -s 900 -M do)" = 2 ] || fail "mtu: 928-byte packets dropped"
[ "$(received 2 0.2 -s 1200 -M do)" = 0 ] || fail "mtu: 1228-byte packets carried"
stop mtu
[ "$(counter mtu wa-\>wb mtu)" = 2 ] || fail "mtu: $(counter mtu wa-\>wb mtu) drops counted, not 2"
echo "mtu: ok"

if [ "$WITH_XDP" = xdp ]; then
  start xdp-delay50 --xdp --profile lan --delay 50
  grep -q "over AF_XDP" "$TMP/xdp-delay50.log" || fail "xdp: not over AF_XDP"
  read -r min avg max <<<"$(rtt 5 0.2)"
  [ -n "${max:-}" ] || fail "xdp: no ping reply"
  echo "xdp delay 50: rtt min/avg/max $min/$avg/$max ms"
  in_range "$min" 100 150 && in_range "$max" 100 150 || fail "xdp: rtt $min/$max not in [100, 150)"
  stop xdp-delay50
  start xdp-lan --xdp --profile lan
  bps=$(iperf_tcp xdp-lan)
  echo "xdp lan: TCP $(/usr/bin/python3 -c "print('%.1f' % ($bps / 1e6))") Mbit/s"
  in_range "$bps" 1 1e15 || fail "xdp lan: iperf3 TCP carried nothing"
  stop xdp-lan
fi
echo "PASS"
