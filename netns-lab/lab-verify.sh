#!/bin/bash
# lab-verify.sh [CHECK...]: the seed's "Verifying the Setup" and more, on
# the lab of lab-up.sh (same LAB_PREFIX). One line per check:
#   PASS name: detail | FAIL name: reason | SKIP name: why
# Exit status 1 if any check fails. Every command is bounded in time.
# Checks (all by default, in this order): ping traceroute iperf pmtu ake
# pods kubectl rekey notready.
set -uo pipefail
. "$(dirname "$0")/lib/lab.sh"
. "$LAB_HERE/lib/kube.sh"
lab_load_settings

ALL_CHECKS="ping traceroute iperf pmtu ake pods kubectl rekey notready"
CHECKS=${*:-$ALL_CHECKS}
FAILED=0
PASSED=0
TMP=$(mktemp -d /tmp/strait-lab-verify.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

pass() {
  echo "PASS $1${2:+: $2}"
  PASSED=$((PASSED + 1))
}
fail() {
  echo "FAIL $1: $2"
  FAILED=$((FAILED + 1))
}
skip() { echo "SKIP $1: $2"; }

node() { lab_ns "kube-node-$1"; }
pod() { lab_ns "pod-$1-1"; }
in_node() {
  local site=$1
  shift
  ip netns exec "$(node "$site")" "$@"
}

# Slower links want longer runs; the lossy profile looser bounds.
case $LAB_WAN in
  lan) IPERF_SECONDS=3 TRANSFER_BYTES=20000000 UDP_MAX_LOSS=1 ;;
  paris-tokyo) IPERF_SECONDS=4 TRANSFER_BYTES=8000000 UDP_MAX_LOSS=1 ;;
  *) IPERF_SECONDS=4 TRANSFER_BYTES=1000000 UDP_MAX_LOSS=10 ;;
esac

REKEY_SA_TTL=${REKEY_SA_TTL:-12}

[ "$(id -u)" = 0 ] || { echo "lab-verify: needs root" >&2; exit 1; }
if ! [ -f "$LAB_RUN_DIR/up" ] || ! lab_ns_exists "$(node paris)"; then
  echo "FAIL lab: no lab${LAB_PREFIX:+ $LAB_PREFIX} is up (make lab-up)"
  exit 1
fi
echo "lab-verify: $(cat "$LAB_RUN_DIR/up")"

# --- ping: node to node, both ways ---------------------------------------------
check_ping() {
  local from to out
  for from in paris tokyo; do
    to=$(lab_other $from)
    out=$(in_node $from timeout 15 ping -c 5 -i 0.3 -W 2 "kube-node-$to" 2>&1)
    if echo "$out" | grep -Eq ' [1-9][0-9]* received'; then
      pass "ping kube-node-$from -> kube-node-$to" "$(echo "$out" | grep -E 'received|rtt' | tr '\n' ' ')"
    else
      fail "ping kube-node-$from -> kube-node-$to" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
    fi
  done
}

# --- traceroute: the two gateways are the hops ----------------------------------
check_traceroute() {
  local from to want hops try
  for from in paris tokyo; do
    to=$(lab_other $from)
    want="$(lab_gw_private_ip $from) $(lab_gw_private_ip "$to") $(lab_node_ip "$to") "
    for ((try = 0; try < 3; try++)); do
      hops=$(in_node $from timeout 30 traceroute -n -q 1 -w 2 -m 4 "kube-node-$to" 2>&1 |
        awk 'NR > 1 { print $2 }' | tr '\n' ' ')
      [ "$hops" = "$want" ] && break
    done
    if [ "$hops" = "$want" ]; then
      pass "traceroute kube-node-$from -> kube-node-$to" "hops $hops(vita-$from, vita-$to, kube-node-$to)"
    else
      fail "traceroute kube-node-$from -> kube-node-$to" "hops '$hops', expected '$want'"
    fi
  done
}

# --- iperf3: TCP and UDP, both ways -------------------------------------------------
# iperf_run PORT SERVER CLIENT OPTIONS...: prints "bits_per_second
# lost_percent lost_packets packets". Each run has a port of its own (a
# server that is still going away cannot answer for the next one).
iperf_run() {
  local port=$1 server=$2 client=$3 json i spid
  shift 3
  in_node "$server" timeout $((IPERF_SECONDS + 60)) iperf3 -s -1 -p "$port" >/dev/null 2>&1 &
  spid=$!
  for ((i = 0; i < 50; i++)); do
    in_node "$server" ss -Hltn "sport = :$port" | grep -q . && break
    sleep 0.1
  done
  json=$(in_node "$client" timeout $((IPERF_SECONDS + 40)) iperf3 -c "kube-node-$server" -p "$port" -J "$@" 2>&1)
  kill "$spid" 2>/dev/null
  wait "$spid" 2>/dev/null
  echo "$json" | "$PYTHON" -c '
import json, sys
try:
    report = json.load(sys.stdin)
    r = report["end"]["sum_received"] if "sum_received" in report["end"] else report["end"]["sum"]
    udp = report["start"]["test_start"]["protocol"] == "UDP"
    print(r["bits_per_second"], r.get("lost_percent", 0) if udp else 0,
          r.get("lost_packets", 0) if udp else 0, r.get("packets", 0) if udp else 0)
except Exception as error:
    print("error", str(report.get("error", error)) if "report" in dir() else error)
    sys.exit(1)'
}

check_iperf() {
  local from to result bps loss lost packets port=5210
  for from in paris tokyo; do
    to=$(lab_other $from)
    port=$((port + 2))
    if result=$(iperf_run "$port" "$to" "$from" -t "$IPERF_SECONDS"); then
      read -r bps loss lost packets <<<"$result"
      if "$PYTHON" -c "import sys; sys.exit(0 if $bps > 0 else 1)"; then
        pass "iperf3 tcp kube-node-$from -> kube-node-$to" "$("$PYTHON" -c "print('%.1f' % ($bps / 1e6))") Mbit/s"
      else
        fail "iperf3 tcp kube-node-$from -> kube-node-$to" "no throughput"
      fi
    else
      fail "iperf3 tcp kube-node-$from -> kube-node-$to" "$result"
    fi
    if result=$(iperf_run $((port + 1)) "$to" "$from" -u -b 20M -l 1300 -t "$IPERF_SECONDS"); then
      read -r bps loss lost packets <<<"$result"
      if "$PYTHON" -c "import sys; sys.exit(0 if $bps > 0 and $loss <= $UDP_MAX_LOSS else 1)"; then
        pass "iperf3 udp kube-node-$from -> kube-node-$to" "$("$PYTHON" -c "print('%.1f' % ($bps / 1e6))") Mbit/s, $lost/$packets lost"
      else
        fail "iperf3 udp kube-node-$from -> kube-node-$to" "$bps bit/s, $loss % lost (bound $UDP_MAX_LOSS %)"
      fi
    else
      fail "iperf3 udp kube-node-$from -> kube-node-$to" "$result"
    fi
  done
}

# transfer FROM-NS TO-NS TO-HOST PORT BYTES: prints "ok" or the reason.
transfer() {
  local from=$1 to=$2 host=$3 port=$4 bytes=$5 received sent rpid
  ip netns exec "$to" timeout 120 "$PYTHON" "$LAB_HERE/lib/transfer.py" receive 0.0.0.0 "$port" \
    --timeout 60 >"$TMP/received" 2>&1 &
  rpid=$!
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$to" ss -Hltn "sport = :$port" | grep -q . && break
    sleep 0.1
  done
  sent=$(ip netns exec "$from" timeout 120 "$PYTHON" "$LAB_HERE/lib/transfer.py" send "$host" "$port" \
    "$bytes" --timeout 60 2>&1)
  wait "$rpid"
  received=$(cat "$TMP/received")
  if [ -n "$sent" ] && [ "$sent" = "$received" ]; then
    echo ok
  else
    echo "sent '$sent', received '$received'"
  fi
}

# --- path MTU ------------------------------------------------------------------------
check_pmtu() {
  local from to out try
  for from in paris tokyo; do
    to=$(lab_other $from)
    # A DF packet of 1441 bytes (over the tunnel's 1440, under eth0's 1500).
    out=$(in_node $from timeout 10 "$PYTHON" "$LAB_HERE/lib/pmtu.py" "kube-node-$to" 1441 2>&1)
    if [ "$out" = "fragmentation-needed $(lab_gw_private_ip $from) $LAB_TUNNEL_MTU" ]; then
      pass "path mtu kube-node-$from -> kube-node-$to" "1441-byte DF packet: Fragmentation Needed (mtu $LAB_TUNNEL_MTU) from vita-$from"
    else
      fail "path mtu kube-node-$from -> kube-node-$to" "1441-byte DF packet: $out"
    fi
    # The largest packet the tunnel takes arrives (the UDP port is closed:
    # kube-node-$to answers Port Unreachable).
    for ((try = 0; try < 3; try++)); do  # (the lossy profile may drop one)
      out=$(in_node $from timeout 10 "$PYTHON" "$LAB_HERE/lib/pmtu.py" "kube-node-$to" "$LAB_TUNNEL_MTU" 2>&1)
      echo "$out" | grep -q "code 3 from $(lab_node_ip "$to")" && break
    done
    if echo "$out" | grep -q "code 3 from $(lab_node_ip "$to")"; then
      pass "path mtu $LAB_TUNNEL_MTU bytes kube-node-$from -> kube-node-$to" "arrives"
    else
      fail "path mtu $LAB_TUNNEL_MTU bytes kube-node-$from -> kube-node-$to" "$out"
    fi
  done
  # TCP with the default MSS (from the route's mtu 1440), a large transfer intact.
  out=$(transfer "$(node paris)" "$(node tokyo)" kube-node-tokyo 5301 "$TRANSFER_BYTES")
  if [ "$out" = ok ]; then
    pass "tcp default mss kube-node-paris -> kube-node-tokyo" "$TRANSFER_BYTES bytes intact (sha256)"
  else
    fail "tcp default mss kube-node-paris -> kube-node-tokyo" "$out"
  fi
}

# --- key exchange on both queues --------------------------------------------------------
check_ake() {
  local site queues
  for site in paris tokyo; do
    queues=$(lab_inbound_queues $site | tr '\n' ' ')
    if [ "$queues" = "1 2 " ] && grep -q "Completed AKE for '$(lab_other $site)'" "$LAB_RUN_DIR/logs/vita-$site.log"; then
      pass "key exchange vita-$site" "inbound SAs on queues $queues"
    else
      fail "key exchange vita-$site" "inbound SAs on queues '${queues}', expected '1 2 '"
    fi
  done
}

# --- pods across regions, through the overlay -------------------------------------------
check_pods() {
  local from to out
  for from in paris tokyo; do
    to=$(lab_other $from)
    out=$(ip netns exec "$(pod $from)" timeout 15 ping -c 3 -i 0.3 -W 2 "pod-$to-1" 2>&1)
    if echo "$out" | grep -Eq ' [1-9][0-9]* received'; then
      pass "pod ping pod-$from-1 -> pod-$to-1" "$(echo "$out" | grep -E 'received' | tr '\n' ' ')"
    else
      fail "pod ping pod-$from-1 -> pod-$to-1" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
    fi
    # A full-size DF packet of the overlay (mtu $LAB_OVERLAY_MTU) gets through.
    out=$(ip netns exec "$(pod $from)" timeout 15 ping -c 2 -i 0.3 -W 2 -M "do" \
      -s $((LAB_OVERLAY_MTU - 28)) "pod-$to-1" 2>&1)
    if echo "$out" | grep -Eq ' [1-9][0-9]* received'; then
      pass "pod mtu pod-$from-1 -> pod-$to-1" "$LAB_OVERLAY_MTU-byte DF packets arrive"
    else
      fail "pod mtu pod-$from-1 -> pod-$to-1" "$(echo "$out" | tail -n 2 | tr '\n' ' ')"
    fi
    out=$(transfer "$(pod $from)" "$(pod "$to")" "pod-$to-1" 5302 "$TRANSFER_BYTES")
    if [ "$out" = ok ]; then
      pass "pod tcp pod-$from-1 -> pod-$to-1" "$TRANSFER_BYTES bytes intact (sha256)"
    else
      fail "pod tcp pod-$from-1 -> pod-$to-1" "$out"
    fi
  done
}

# --- kubectl: the seed's commands ---------------------------------------------------------
check_kubectl() {
  local out
  out=$(lab_kubectl get nodes 2>&1)
  if [ "$(kube_node_status kube-node-paris) $(kube_node_status kube-node-tokyo)" = "Ready Ready" ]; then
    pass "kubectl get nodes" "kube-node-paris Ready, kube-node-tokyo Ready"
  else
    fail "kubectl get nodes" "$(echo "$out" | tr '\n' ';')"
  fi
  out=$(lab_kubectl --namespace kube-system get pods -o wide --no-headers 2>&1)
  if echo "$out" | grep -q " kube-node-tokyo " && echo "$out" | grep -q " kube-node-paris "; then
    pass "kubectl --namespace kube-system get pods -o wide" "$(echo "$out" | wc -l) pods on kube-node-paris and kube-node-tokyo"
  else
    fail "kubectl --namespace kube-system get pods -o wide" "$(echo "$out" | tr '\n' ';')"
  fi
  out=$(lab_kubectl get pods -o wide --no-headers 2>&1)
  if echo "$out" | grep -Eq "^pod-paris-1 .* $(lab_pod_ip paris) +kube-node-paris " &&
    echo "$out" | grep -Eq "^pod-tokyo-1 .* $(lab_pod_ip tokyo) +kube-node-tokyo "; then
    pass "kubectl get pods -o wide" "pod-paris-1 $(lab_pod_ip paris), pod-tokyo-1 $(lab_pod_ip tokyo)"
  else
    fail "kubectl get pods -o wide" "$(echo "$out" | tr '\n' ';')"
  fi
  out=$(lab_kubectl --namespace kube-system get events 2>&1)
  if echo "$out" | grep -q "RegisteredNode .*node/kube-node-tokyo" &&
    echo "$out" | grep -q "NodeReady .*node/kube-node-tokyo"; then
    pass "kubectl --namespace kube-system get events" "kube-node-tokyo registered and ready"
  else
    fail "kubectl --namespace kube-system get events" "$(echo "$out" | tr '\n' ';')"
  fi
}

# --- rekey with a short sa-ttl: no UDP packet lost ------------------------------------------
check_rekey() {
  local site result bps loss lost packets before after ok=1
  if [ "$LAB_WAN" = lossy ]; then
    skip "rekey" "the lossy profile drops packets by design"
    return
  fi
  # The gateways restart with sa-ttl 12 s: a rekey every 6 to 7.5 s (half
  # of sa-ttl plus jitter), the new outbound SA active 1.5 x negotiation-ttl
  # = 3 s later, before the old one expires at 12 s (with the default
  # negotiation-ttl of 5 s, an sa-ttl under 20 s expires the old SA first).
  for site in paris tokyo; do
    cp "$LAB_HERE/vita-$site.conf" "$TMP/vita-$site-rekey.conf"
    printf 'sa-ttl %s;\nnegotiation-ttl 2;\n' "$REKEY_SA_TTL" >>"$TMP/vita-$site-rekey.conf"
    lab_stop "vita-$site"
  done
  for site in paris tokyo; do
    lab_gateway_start $site "$TMP/vita-$site-rekey.conf" || ok=0
  done
  wait_ake 60 || ok=0
  if [ $ok = 0 ]; then
    fail "rekey" "the gateways did not come back with sa-ttl $REKEY_SA_TTL (logs in $LAB_RUN_DIR/logs)"
  else
    in_node paris timeout 15 ping -c 3 -W 2 -q kube-node-tokyo >/dev/null 2>&1
    before=$(lab_gateway_state_file paris | awk '$1 == "keypairs-negotiated" { gsub(";", "", $2); print $2 }')
    if result=$(iperf_run 5220 paris tokyo -u -b 1M -l 1000 -t 25); then
      read -r bps loss lost packets <<<"$result"
      after=$(lab_gateway_state_file paris | awk '$1 == "keypairs-negotiated" { gsub(";", "", $2); print $2 }')
      if [ "$lost" = 0 ] && [ "$packets" -gt 0 ] && [ "${after:-0}" -gt "${before:-0}" ]; then
        pass "rekey" "sa-ttl $REKEY_SA_TTL s, $((after - before)) key pairs negotiated during 25 s of UDP at 1 Mbit/s, $lost/$packets lost"
      else
        fail "rekey" "$lost/$packets UDP packets lost; key pairs negotiated ${before:-?} -> ${after:-?}"
      fi
    else
      fail "rekey" "iperf3: $result"
    fi
  fi
  # Back to the lab's configuration.
  for site in paris tokyo; do lab_stop "vita-$site"; done
  for site in paris tokyo; do lab_gateway_start $site || fail "rekey" "vita-$site did not restart"; done
  wait_ake 60 || fail "rekey" "no key exchange after restoring the configuration"
}

wait_ake() {  # wait_ake SECONDS: both gateways have SAs on both queues
  local deadline=$((SECONDS + $1)) site ready
  while ((SECONDS < deadline)); do
    ready=1
    for site in paris tokyo; do
      [ "$(lab_inbound_queues $site | tr '\n' ' ')" = "1 2 " ] || ready=0
    done
    [ $ready = 1 ] && return 0
    sleep 0.5
  done
  return 1
}

# --- a gateway down: kube-node-tokyo NotReady, and back --------------------------------------
check_notready() {
  local start elapsed
  lab_stop vita-tokyo
  start=$SECONDS
  while ((SECONDS - start < 60)); do
    [ "$(kube_node_status kube-node-tokyo)" = NotReady ] && break
    sleep 1
  done
  elapsed=$((SECONDS - start))
  if [ "$(kube_node_status kube-node-tokyo)" = NotReady ] &&
    lab_kubectl --namespace kube-system get events 2>&1 | grep -q "NodeNotReady .*node/kube-node-tokyo"; then
    pass "vita-tokyo stopped: kube-node-tokyo NotReady" "after ${elapsed} s, NodeNotReady event"
  else
    fail "vita-tokyo stopped: kube-node-tokyo NotReady" "still '$(kube_node_status kube-node-tokyo)' after ${elapsed} s"
  fi
  lab_gateway_start tokyo || { fail "vita-tokyo restarted" "did not start"; return; }
  start=$SECONDS
  while ((SECONDS - start < 60)); do
    [ "$(kube_node_status kube-node-tokyo)" = Ready ] && break
    sleep 1
  done
  elapsed=$((SECONDS - start))
  if [ "$(kube_node_status kube-node-tokyo)" = Ready ]; then
    pass "vita-tokyo restarted: kube-node-tokyo Ready" "after ${elapsed} s"
  else
    fail "vita-tokyo restarted: kube-node-tokyo Ready" "still '$(kube_node_status kube-node-tokyo)' after ${elapsed} s"
  fi
  wait_ake 30 || true
}

for check in $CHECKS; do
  case $check in
    ping | traceroute | iperf | pmtu | ake | pods | kubectl | rekey | notready) "check_$check" ;;
    *) fail "$check" "no such check (checks: $ALL_CHECKS)" ;;
  esac
done
echo "lab-verify: $PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
