#!/bin/bash
# Real traffic through two strait gateways in the netns lab (lib/topology.sh):
#   traffic.sh STRAIT BACKEND QUEUES
# BACKEND: af-packet or xdp; QUEUES: 1 or 2 (data-plane SAs either way).
# QUEUES 1: iperf3 TCP and UDP both ways (throughput > 0, UDP loss < 5 %),
#   and traceroute shows the tunnel as the two gateways' private addresses.
# QUEUES 2: the private veths have two queues and each gateway a second
#   public interface; eight TCP flows each way must use both queues: both
#   public interfaces of each gateway carry ESP (per-interface counters).
# Root only. Everything lives in namespaces named after this shell's pid and
# is removed on exit, whatever happens; every wait is bounded.
set -u
STRAIT=$1 BACKEND=$2 QUEUES=$3
HERE=$(cd "$(dirname "$0")" && pwd)
P="st$$"
. "$HERE/../lib/two_site_test.sh"

host_of() { echo "$(lab_site_net "$1").2"; }

# iperf SERVER-SITE CLIENT-SITE LABEL IPERF-OPTIONS...: one iperf3 run from
# CLIENT to SERVER's host (2 s); prints "bits_per_second lost_percent".
iperf() {
  local server_site=$1 client_site=$2 label=$3 i json status
  shift 3
  ip netns exec "$P-host-$server_site" timeout 20 iperf3 -s -1 -B "$(host_of "$server_site")" \
    >"$TMP/iperf-server-$label.log" 2>&1 &
  local server=$!
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$P-host-$server_site" ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.1
  done
  json=$(ip netns exec "$P-host-$client_site" timeout 15 iperf3 -c "$(host_of "$server_site")" \
    -t 2 -J "$@" 2>"$TMP/iperf-client-$label.log")
  status=$?
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  [ $status = 0 ] || { echo "$json" >>"$TMP/iperf-client-$label.log"; fail "$label: iperf3 failed"; }
  # The receiver's figures: TCP throughput; UDP throughput and loss.
  echo "$json" | /usr/bin/python3 -c '
import json, sys
report = json.load(sys.stdin)
received = report["end"]["sum_received"]
print(received["bits_per_second"], received.get("lost_percent", 0)
      if report["start"]["test_start"]["protocol"] == "UDP" else 0)'
}

# check_iperf SERVER CLIENT LABEL MAX-LOSS OPTIONS...
check_iperf() {
  local server=$1 client=$2 label=$3 max_loss=$4 result bps loss
  shift 4
  result=$(iperf "$server" "$client" "$label" "$@") || exit 1
  read -r bps loss <<<"$result"
  echo "$label: $(/usr/bin/python3 -c "print('%.1f' % ($bps / 1e6))") Mbit/s, loss $loss %"
  /usr/bin/python3 -c "import sys; sys.exit(0 if $bps > 0 and $loss <= $max_loss else 1)" ||
    fail "$label: $bps bit/s, loss $loss % (bound $max_loss %)"
}

# tx_packets NS IFNAME: packets the interface sent.
tx_packets() {
  ip -n "$1" -s -j link show "$2" | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
case $QUEUES in 1 | 2) ;; *) fail "QUEUES must be 1 or 2" ;; esac
lab_two_sites_up "$P" "$QUEUES" || fail "cannot build the lab topology"
for site in paris tokyo; do
  lab_gateway_config $site data-plane "$QUEUES" >"$TMP/$site.conf"
  lab_start_gateway "$P" $site "tr-$site-$$" "$BACKEND" "$TMP/$site.conf" "$TMP/$site.log" ||
    fail "$site gateway exited at start-up"
done
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply"
lab_ping "$P" tokyo paris 10 || fail "tokyo -> paris: no ping reply"

if [ "$QUEUES" = 1 ]; then
  check_iperf tokyo paris "tcp paris->tokyo" 0
  check_iperf paris tokyo "tcp tokyo->paris" 0
  check_iperf tokyo paris "udp paris->tokyo" 5 -u -b 50M -l 1300
  check_iperf paris tokyo "udp tokyo->paris" 5 -u -b 50M -l 1300

  # traceroute: hop 1 the paris gateway (encapsulation), hop 2 the tokyo
  # gateway (decapsulation), hop 3 the host. A probe can be lost: 3 tries.
  for ((try = 0; try < 3; try++)); do
    hops=$(ip netns exec "$P-host-paris" timeout 20 traceroute -n -q 1 -w 1 -m 3 10.2.0.2 2>&1 |
      awk 'NR > 1 { print $2 }' | tr '\n' ' ')
    [ "$hops" = "10.1.0.1 10.2.0.1 10.2.0.2 " ] && break
  done
  [ "$hops" = "10.1.0.1 10.2.0.1 10.2.0.2 " ] || fail "traceroute paris->tokyo hops: $hops"
  echo "traceroute paris->tokyo: $hops"
  for ((try = 0; try < 3; try++)); do
    hops=$(ip netns exec "$P-host-tokyo" timeout 20 traceroute -n -q 1 -w 1 -m 3 10.1.0.2 2>&1 |
      awk 'NR > 1 { print $2 }' | tr '\n' ' ')
    [ "$hops" = "10.2.0.1 10.1.0.1 10.1.0.2 " ] && break
  done
  [ "$hops" = "10.2.0.1 10.1.0.1 10.1.0.2 " ] || fail "traceroute tokyo->paris hops: $hops"
  echo "traceroute tokyo->paris: $hops"
else
  declare -A before
  for site in paris tokyo; do
    for ifname in pub0 pub1; do before[$site-$ifname]=$(tx_packets "$P-gw-$site" $ifname); done
  done
  check_iperf tokyo paris "tcp x8 paris->tokyo" 0 -P 8
  check_iperf paris tokyo "tcp x8 tokyo->paris" 0 -P 8
  for site in paris tokyo; do
    for ifname in pub0 pub1; do
      sent=$(($(tx_packets "$P-gw-$site" $ifname) - before[$site-$ifname]))
      echo "$site $ifname: $sent packets sent"
      # Far more than the few ARP packets: the queue carried tunnel traffic.
      [ "$sent" -gt 1000 ] || fail "$site $ifname (queue $((${ifname#pub} + 1))) sent only $sent packets"
    done
  done
fi
for site in paris tokyo; do
  lab_stop_site $site TERM ||
    fail "$site gateway exited with status $? on SIGTERM (254: still running after 10 s)"
done
echo "PASS: traffic, $BACKEND, $QUEUES queue(s)"
