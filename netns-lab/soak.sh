#!/bin/bash
# soak.sh: the two-region lab under steady traffic for SOAK_MINUTES (default
# 30), with a rekey about every minute (`make soak SOAK_MINUTES=N`).
#
#   1. a lab of its own (LAB_PREFIX=soak, the paris-tokyo internet by
#      default) through lab-up.sh;
#   2. both gateways restarted with sa-ttl SOAK_SA_TTL (120 s: a rekey every
#      60 to 75 s, half of sa-ttl plus jitter; the new outbound SA active
#      1.5 x negotiation-ttl later, long before the old one expires), and
#      the key exchange completed on every queue before traffic starts (the
#      first-keying window is outside the measurement);
#   3. UDP both ways between the Kubernetes nodes at SOAK_RATE (iperf3,
#      1000-byte datagrams) for SOAK_MINUTES; once a minute a progress line:
#      key pairs negotiated so far and each gateway's resident memory;
#   4. the report: packets sent, received and lost each way, rekeys, the
#      gateways' memory (VmRSS) after keying and at the end, and the
#      gateways' drop counters. Written to stdout and to SOAK_REPORT
#      (default /tmp/strait-soak-report.txt).
#
# Exit status 0 when no packet was lost (no gap in iperf3's sequence numbers,
# and at most half a second of datagrams in flight when the test ends), every gateway rekeyed at least
# once a SOAK_SA_TTL, and no gateway's memory grew by more than
# SOAK_MAX_GROWTH_KIB (default 1024 KiB) between the end of the first minute
# and the end. The lab is removed at the end, whatever happened.
set -uo pipefail
export LAB_PREFIX=${LAB_PREFIX:-soak}
. "$(dirname "$0")/lib/lab.sh"

SOAK_MINUTES=${SOAK_MINUTES:-30}
SOAK_RATE=${SOAK_RATE:-1M}
SOAK_SA_TTL=${SOAK_SA_TTL:-120}
SOAK_MAX_GROWTH_KIB=${SOAK_MAX_GROWTH_KIB:-1024}
SOAK_REPORT=${SOAK_REPORT:-/tmp/strait-soak-report.txt}
PORT_PARIS=5401 PORT_TOKYO=5402

say() { echo "soak: $*"; }
die() {
  echo "soak: FAIL: $*" >&2
  exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (network namespaces): run it with sudo"
case $SOAK_MINUTES in '' | *[!0-9]*) die "SOAK_MINUTES=$SOAK_MINUTES: a whole number of minutes" ;; esac
[ "$SOAK_MINUTES" -ge 2 ] || die "SOAK_MINUTES=$SOAK_MINUTES: at least 2 (the first minute is the memory baseline)"
command -v iperf3 >/dev/null || die "iperf3 is not installed (ci/install-deps installs it)"

TMP=$(mktemp -d /tmp/strait-soak.XXXXXX)
cleanup() {
  local pid
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  "$LAB_HERE/lab-down.sh" >/dev/null 2>&1
  rm -rf "$TMP"
}
trap cleanup EXIT

node() { lab_ns "kube-node-$1"; }
in_node() {
  local site=$1
  shift
  ip netns exec "$(node "$site")" "$@"
}
rss_kib() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$(lab_pid "vita-$1")/status" 2>/dev/null; }
keypairs() {
  lab_gateway_state_file "$1" | awk '$1 == "keypairs-negotiated" { gsub(";", "", $2); n += $2 } END { print n + 0 }'
}
drops() {  # the gateway's non-zero drop and error counters
  lab_gateway_state_file "$1" |
    awk '$1 ~ /(drop|error)/ && $2 + 0 > 0 { gsub(";", "", $2); printf "%s %s, ", $1, $2 }' | sed 's/, $//'
}

# --- 1. the lab -----------------------------------------------------------------
"$LAB_HERE/lab-down.sh" >/dev/null 2>&1
say "bringing up a lab of its own (LAB_PREFIX=$LAB_PREFIX, internet $LAB_WAN)"
"$LAB_HERE/lab-up.sh" >"$TMP/lab-up.log" 2>&1 || {
  tail -n 20 "$TMP/lab-up.log" >&2
  die "lab-up failed"
}

# --- 2. gateways with a short sa-ttl ------------------------------------------
for site in $LAB_SITES; do
  cp "$LAB_HERE/vita-$site.conf" "$TMP/vita-$site.conf"
  printf 'sa-ttl %s;\n' "$SOAK_SA_TTL" >>"$TMP/vita-$site.conf"
  lab_stop "vita-$site"
done
for site in $LAB_SITES; do
  lab_gateway_start "$site" "$TMP/vita-$site.conf" || die "vita-$site did not start: $(lab_log_tail "vita-$site")"
done
keyed=0
for ((i = 0; i < 120; i++)); do
  if [ "$(lab_inbound_queues paris | tr '\n' ' ')" = "1 2 " ] &&
    [ "$(lab_inbound_queues tokyo | tr '\n' ' ')" = "1 2 " ]; then
    keyed=1
    break
  fi
  sleep 0.5
done
[ "$keyed" = 1 ] || die "the key exchange did not complete on both queues of both gateways within 60 s"
in_node paris ping -c 3 -i 0.3 -W 2 kube-node-tokyo >/dev/null 2>&1 ||
  in_node paris ping -c 3 -i 0.3 -W 2 kube-node-tokyo >/dev/null 2>&1 ||
  die "no ping across the tunnel after keying"
say "gateways keyed with sa-ttl $SOAK_SA_TTL s; UDP at $SOAK_RATE bit/s each way for $SOAK_MINUTES min"

# --- 3. traffic ------------------------------------------------------------------
seconds=$((SOAK_MINUTES * 60))
TAIL_MAX=$(/usr/bin/python3 -c 'import sys; r = sys.argv[1]; m = {"K": 1e3, "M": 1e6, "G": 1e9}.get(r[-1:].upper(), 1); print(int(float(r.rstrip("KMGkmg")) * m / 8000 / 2))' "$SOAK_RATE")  # half a second of datagrams
for site in $LAB_SITES; do
  port=$([ "$site" = paris ] && echo $PORT_PARIS || echo $PORT_TOKYO)
  # The receivers run at a real-time priority with 4 MiB socket buffers
  # (the clients' -w, which iperf3 applies at both ends): on a busy machine
  # a starved iperf3 overflows its socket buffer (RcvbufErrors in the
  # report), a loss that is not the tunnel's.
  in_node "$site" timeout $((seconds + 120)) chrt --rr 1 iperf3 -s -1 -J -p "$port" >"$TMP/server-$site.json" 2>&1 &
done
sleep 1
# paris sends to tokyo's server, tokyo to paris's.
in_node paris timeout $((seconds + 60)) iperf3 -c kube-node-tokyo -p $PORT_TOKYO -u -b "$SOAK_RATE" \
  -l 1000 -w 4M -t "$seconds" -J >"$TMP/paris-to-tokyo.json" 2>&1 &
client_paris=$!
in_node tokyo timeout $((seconds + 60)) iperf3 -c kube-node-paris -p $PORT_PARIS -u -b "$SOAK_RATE" \
  -l 1000 -w 4M -t "$seconds" -J >"$TMP/tokyo-to-paris.json" 2>&1 &
client_tokyo=$!

keys_start_paris=$(keypairs paris) keys_start_tokyo=$(keypairs tokyo)
rss_keyed_paris=$(rss_kib paris) rss_keyed_tokyo=$(rss_kib tokyo)
for ((minute = 1; minute <= SOAK_MINUTES; minute++)); do
  sleep 60
  if [ "$minute" = 1 ]; then
    rss_base_paris=$(rss_kib paris) rss_base_tokyo=$(rss_kib tokyo)
  fi
  for site in $LAB_SITES; do lab_running "vita-$site" || die "vita-$site exited: $(lab_log_tail "vita-$site")"; done
  say "$(printf '%3d/%d min' "$minute" "$SOAK_MINUTES"): key pairs paris $(($(keypairs paris) - keys_start_paris)), tokyo $(($(keypairs tokyo) - keys_start_tokyo)); VmRSS paris $(rss_kib paris) KiB, tokyo $(rss_kib tokyo) KiB"
done
wait "$client_paris" "$client_tokyo"
rss_end_paris=$(rss_kib paris) rss_end_tokyo=$(rss_kib tokyo)
rekeys_paris=$(($(keypairs paris) - keys_start_paris))
rekeys_tokyo=$(($(keypairs tokyo) - keys_start_tokyo))

# --- 4. the report -------------------------------------------------------------------
# udp_result CLIENT-FILE SERVER-FILE: "sent received lost out-of-order" and the seconds in
# which the receiver saw packets lost, from iperf3's JSON (the receiver's
# view: the server's own JSON, SERVER-FILE).
udp_result() {
  /usr/bin/python3 -c '
import json, sys
try:
    report = json.load(open(sys.argv[1]))
    end = report["end"]
    sent = end["sum_sent"]["packets"] if "sum_sent" in end else end["sum"]["packets"]
    received = end["sum_received"] if "sum_received" in end else end["sum"]
    lost = received["lost_packets"]
    # Per second, iperf3 writes a negative count as an unsigned 64-bit one;
    # N lost in one second and -N in the next are N datagrams that crossed
    # the second boundary late, not a loss: such pairs are left out.
    per_second = [
        (interval["sum"]["start"], (interval["sum"]["lost_packets"] + 2**63) % 2**64 - 2**63)
        for interval in json.load(open(sys.argv[2])).get("intervals", [])
    ]
    seconds, i = [], 0
    while i < len(per_second):
        start, n = per_second[i]
        if n > 0 and i + 1 < len(per_second) and per_second[i + 1][1] == -n:
            i += 2
            continue
        if n:
            seconds.append("%d s: %d" % (start, n))
        i += 1
    print(sent, received["packets"] - lost, lost, received.get("out_of_order", 0),
          ", ".join(seconds[:20]) + (" ..." if len(seconds) > 20 else ""))
except Exception as error:
    print("error", error)
    sys.exit(1)' "$@"
}
status=0
{
  echo "strait soak: $SOAK_MINUTES min, UDP $SOAK_RATE bit/s each way (1000-byte datagrams), sa-ttl $SOAK_SA_TTL s, internet $LAB_WAN, backend $LAB_BACKEND"
  echo "binary: $STRAIT ($(git -C "$LAB_SOURCE_DIR" describe --always --dirty 2>/dev/null || echo unknown))"
  for direction in paris-to-tokyo tokyo-to-paris; do
    if result=$(udp_result "$TMP/$direction.json" "$TMP/server-${direction##*-}.json"); then
      read -r sent received lost reordered when <<<"$result"
      # iperf3's receiver stops counting when the sender's end-of-test
      # message arrives over TCP, so the last datagrams still in flight
      # then are neither received nor lost: the tail.
      tail=$((sent - received - lost))
      echo "$direction: sent $sent, received $received, lost $lost${when:+ (at $when)}, out of order $reordered; in flight at the end (not counted by iperf3) $tail"
      [ "$lost" = 0 ] && [ "$sent" -gt 0 ] && [ "$tail" -le "$TAIL_MAX" ] || status=1
    else
      echo "$direction: iperf3 failed: $result $(head -c 300 "$TMP/$direction.json")"
      status=1
    fi
  done
  for site in $LAB_SITES; do
    rekeys=$([ "$site" = paris ] && echo "$rekeys_paris" || echo "$rekeys_tokyo")
    keyed=$([ "$site" = paris ] && echo "$rss_keyed_paris" || echo "$rss_keyed_tokyo")
    base=$([ "$site" = paris ] && echo "$rss_base_paris" || echo "$rss_base_tokyo")
    end=$([ "$site" = paris ] && echo "$rss_end_paris" || echo "$rss_end_tokyo")
    echo "vita-$site: $rekeys key pairs negotiated (both queues), VmRSS $keyed KiB after keying, $base KiB after 1 min, $end KiB at the end ($((end - base)) KiB); drops: $(drops "$site")"
    [ "$rekeys" -ge $((SOAK_MINUTES * 60 / SOAK_SA_TTL)) ] || status=1
    [ $((end - base)) -le "$SOAK_MAX_GROWTH_KIB" ] || status=1
  done
  for site in $LAB_SITES; do  # losses in the nodes' own UDP stacks
    echo "kube-node-$site UDP: $(in_node "$site" awk '/^Udp:/ { if (!seen) { seen = 1; split($0, field); next } split($0, value); for (i = 2; i <= NF; i++) if (field[i] ~ /Errors/ && value[i] > 0) printf "%s %s ", field[i], value[i] }' /proc/net/snmp)"
  done
  echo "strait wan (the internet), its last log lines:"
  lab_log_tail wan
  [ "$status" = 0 ] && echo "PASS" || echo "FAIL (lost packets, too few rekeys, or memory growth over $SOAK_MAX_GROWTH_KIB KiB)"
} >"$SOAK_REPORT"
cat "$SOAK_REPORT"
if [ "$status" != 0 ]; then
  kept=$(mktemp -d /tmp/strait-soak-failed.XXXXXX)
  cp "$TMP"/*.json "$kept/" 2>/dev/null
  cp -r "$LAB_RUN_DIR/logs/." "$kept/" 2>/dev/null
  for site in $LAB_SITES; do lab_gateway_state_file "$site" >"$kept/vita-$site.gateway-state"; done
  echo "soak: iperf3's reports, the logs and the gateways' state are kept in $kept"
fi
exit $status
