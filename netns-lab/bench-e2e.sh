#!/bin/bash
# End-to-end throughput: iperf3 TCP from host-paris to host-tokyo through
#   1. two strait gateways (BACKEND: xdp (default) or af-packet),
#   2. two wireguard-go gateways,
#   3. the same gateway namespaces as plain kernel routers (no encryption),
# in one run, on the netns lab (lib/topology.sh). Prints the three Gbit/s
# figures and strait / wireguard-go.
#
#   bench-e2e.sh [STRAIT]        (default: build/strait)
# Environment:
#   BACKEND      xdp | af-packet                      (default xdp)
#   MODE         key-exchange | data-plane            (default key-exchange)
#   SECONDS_RUN  iperf3 duration per measurement, s   (default 10)
#   STRAIT_ARGS  extra `strait run` options, e.g. "--busywait"
#
# The hosts route the far site with MTU 1440 and have offloads off; strait
# gets mtu 1440 and wireguard-go's interface MTU 1440, so every tunnel
# carries the same inner packets (1440 + ESP or WireGuard overhead <= 1500).
# Root only. Everything lives in namespaces named after this shell's pid and
# is removed on exit, whatever happens; every wait is bounded.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib/topology.sh"
. "$HERE/lib/processes.sh"

STRAIT=${1:-$HERE/../build/strait}
BACKEND=${BACKEND:-xdp}
MODE=${MODE:-key-exchange}
T=${SECONDS_RUN:-10}
STRAIT_ARGS=${STRAIT_ARGS:-}
INNER_MTU=1440

P="be$$"
# The gateways' configurations hold keys: only root may read them.
umask 077
TMP=$(mktemp -d /tmp/strait-bench.XXXXXX)
export STRAIT_RUN_DIR=$TMP/run
WG_paris="wg${$}p" WG_tokyo="wg${$}t"  # unique: wireguard-go's socket is global
declare -A PID

cleanup() {
  lab_kill_all
  lab_two_sites_down "$P"
  rm -f "/var/run/wireguard/$WG_paris.sock" "/var/run/wireguard/$WG_tokyo.sock"
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
  echo "bench-e2e: FAIL: $*" >&2
  for f in "$TMP"/*.log; do
    [ -f "$f" ] && { echo "--- $f:" >&2; tail -n 20 "$f" >&2; }
  done
  exit 1
}

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
[ -x "$STRAIT" ] || fail "no strait binary at $STRAIT (make build)"
case $BACKEND in af-packet | xdp) ;; *) fail "BACKEND must be af-packet or xdp" ;; esac
for tool in iperf3 wireguard-go wg ethtool; do
  command -v $tool >/dev/null || fail "$tool is missing (ci/install-deps)"
done

lab_two_sites_up "$P" || fail "cannot build the lab topology"
for site in paris tokyo; do
  far=$(lab_site_net "$(lab_other_site $site)")
  ip -n "$P-host-$site" route replace "$far.0/24" via "$(lab_site_net $site).1" mtu $INNER_MTU ||
    fail "cannot set the route MTU on host-$site"
  ip netns exec "$P-host-$site" ethtool --offload eth0 rx off tx off >/dev/null 2>&1
done

# measure LABEL: iperf3 TCP paris -> tokyo for $T s; prints Gbit/s (receiver).
measure() {
  local label=$1 i json
  ip netns exec "$P-host-tokyo" timeout $((T + 30)) iperf3 -s -1 -B 10.2.0.2 \
    >"$TMP/iperf-server-$label.log" 2>&1 &
  local server=$!
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$P-host-tokyo" ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.1
  done
  json=$(ip netns exec "$P-host-paris" timeout $((T + 20)) iperf3 -c 10.2.0.2 -t "$T" -O 1 -J \
    2>"$TMP/iperf-client-$label.log")
  local status=$?
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  [ $status = 0 ] || { echo "$json" >>"$TMP/iperf-client-$label.log"; fail "$label: iperf3 failed"; }
  echo "$json" | /usr/bin/python3 -c '
import json, sys
print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}

name_of() { echo "b-$1-$$"; }

# 1. strait
for site in paris tokyo; do
  lab_gateway_config $site "$MODE" | sed "s/^mtu [0-9]*;/mtu $INNER_MTU;/" >"$TMP/$site.conf"
  grep -q "^mtu $INNER_MTU;" "$TMP/$site.conf" || fail "cannot set mtu in the strait configuration"
done
for site in paris tokyo; do
  # shellcheck disable=SC2086  # STRAIT_ARGS is a list of options
  lab_start_gateway "$P" $site "$(name_of $site)" "$BACKEND" "$TMP/$site.conf" \
    "$TMP/strait-$site.log" $STRAIT_ARGS || fail "strait ($site) exited at start-up: $TMP/strait-$site.log"
done
lab_ping "$P" paris tokyo 30 || fail "strait: no ping reply paris -> tokyo"
lab_ping "$P" tokyo paris 10 || fail "strait: no ping reply tokyo -> paris"
strait_gbps=$(measure strait) || exit 1
echo "bench-e2e: strait ($BACKEND, $MODE): $strait_gbps Gbit/s"
for site in paris tokyo; do lab_stop_site $site TERM; done

# 3. The gateway namespaces as plain routers (the kernel owns the
# interfaces now): addresses, forwarding, the WAN routes the site nets.
# Strait answered ARP with MACs of its own: the neighbours forget them.
for ns in host-paris wan host-tokyo; do ip -n "$P-$ns" neigh flush all; done
for site in paris tokyo; do
  net=$(lab_site_net $site) wan=$(lab_site_wan $site) gw=$P-gw-$site
  ip -n "$gw" addr add "$net.1/24" dev priv0
  ip -n "$gw" addr add "$wan.10/24" dev pub0
  ip -n "$gw" route add default via "$wan.1"
  ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$P-wan" route add "$net.0/24" via "$wan.10"
done
lab_ping "$P" paris tokyo 10 || fail "plain routing: no ping reply paris -> tokyo"
plain_gbps=$(measure plain) || exit 1
echo "bench-e2e: plain kernel forwarding: $plain_gbps Gbit/s"

# 2. wireguard-go between the gateways; the WAN no longer routes the site
# nets, so only the tunnel carries them.
for site in paris tokyo; do
  ip -n "$P-wan" route del "$(lab_site_net $site).0/24"
  wg_if="WG_$site"
  (umask 077 && wg genkey >"$TMP/$site.key")
  wg pubkey <"$TMP/$site.key" >"$TMP/$site.pub"
  ip netns exec "$P-gw-$site" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
    wireguard-go -f "${!wg_if}" >"$TMP/wireguard-$site.log" 2>&1 &
  PID[$site]=$!
done
for site in paris tokyo; do
  wg_if="WG_$site"
  for ((i = 0; i < 50; i++)); do
    ip -n "$P-gw-$site" link show "${!wg_if}" >/dev/null 2>&1 &&
      [ -S "/var/run/wireguard/${!wg_if}.sock" ] && break
    kill -0 "${PID[$site]}" 2>/dev/null || fail "wireguard-go ($site) exited at start-up"
    sleep 0.1
  done
done
for site in paris tokyo; do
  other=$(lab_other_site $site) gw=$P-gw-$site wg_if="WG_$site"
  ip netns exec "$gw" wg set "${!wg_if}" listen-port 51820 private-key "$TMP/$site.key" \
    peer "$(cat "$TMP/$other.pub")" allowed-ips "$(lab_site_net "$other").0/24" \
    endpoint "$(lab_site_wan "$other").10:51820" || fail "wg set ($site) failed"
  ip -n "$gw" link set "${!wg_if}" mtu $INNER_MTU up
  ip -n "$gw" route add "$(lab_site_net "$other").0/24" dev "${!wg_if}"
done
lab_ping "$P" paris tokyo 10 || fail "wireguard-go: no ping reply paris -> tokyo"
wg_gbps=$(measure wireguard-go) || exit 1
echo "bench-e2e: wireguard-go: $wg_gbps Gbit/s"
for site in paris tokyo; do lab_stop_site $site TERM; done

ratio=$(/usr/bin/python3 -c "print('%.2f' % ($strait_gbps / $wg_gbps) if $wg_gbps > 0 else 'n/a')")
echo
echo "bench-e2e: iperf3 TCP host-paris -> host-tokyo, ${T} s, inner MTU $INNER_MTU"
printf '  %-34s %8s Gbit/s\n' "strait ($BACKEND, $MODE)" "$strait_gbps" \
  "wireguard-go" "$wg_gbps" "plain kernel forwarding" "$plain_gbps"
echo "  strait / wireguard-go: $ratio"
