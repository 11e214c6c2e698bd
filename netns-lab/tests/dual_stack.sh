#!/bin/bash
# An IPv6 private network over an IPv4 internet (dual-stack tunnels,
# docs/dual-stack.md), on two `strait run` gateways in the two-site netns
# lab (lib/topology.sh):
#   dual_stack.sh STRAIT BACKEND
# The hosts are on 2001:db8:1::/64 (paris) and 2001:db8:2::/64 (tokyo); the
# gateways have a private-interface6, a public-interface4 on the IPv4 WAN,
# and a route6 whose gateway is the peer's IPv4 address. Checks:
#   1. the key exchange completes over IPv4 and ping6 crosses both ways,
#      every echo answered;
#   2. on the WAN the tunnel is ESP in IPv4 (a capture), nothing of IPv6;
#   3. hop limit 1 expires at vita-paris, 2 at vita-tokyo: ICMPv6 Time
#      Exceeded from each gateway's private address (the tunnel is two hops);
#   4. a 1401-byte packet (mtu 1400) gets ICMPv6 Packet Too Big, mtu 1400,
#      from vita-paris; a 1400-byte one crosses;
#   5. the gateways' state counts the public side as IPv4 (public-icmp4)
#      and the private side as IPv6 (private-icmp6).
# Root only (exit 77, CTest: Skipped, without root or a tool); namespaces
# named after this shell's pid, removed on exit; every wait bounded.
# About 15 s.
set -u
STRAIT=$1 BACKEND=${2:-af-packet}
HERE=$(cd "$(dirname "$0")" && pwd)
P="ds$$"
. "$HERE/../lib/skip.sh"
lab_skip_unless_lab ip ethtool ping tcpdump timeout
. "$HERE/../lib/two_site_test.sh"

net6() { [ "$1" = paris ] && echo 2001:db8:1: || echo 2001:db8:2:; }
host6() { echo "$(net6 "$1"):2"; }
gw6() { echo "$(net6 "$1"):1"; }
name_of() { echo "ds-$1-$$"; }

config() {  # config SITE: the gateway's configuration, IPv6 inside, IPv4 outside
  local site=$1 other
  other=$(lab_other_site "$site")
  cat <<CONF
private-interface6 {
  ifname priv0;
  ip $(gw6 "$site");
  nexthop-ip $(host6 "$site");
}
public-interface4 {
  ifname pub0;
  ip $(lab_site_wan "$site").10;
  nexthop-ip $(lab_site_wan "$site").1;
}
mtu 1400;
negotiation-ttl 2;
route6 {
  id $other;
  gateway { ip $(lab_site_wan "$other").10; }
  net "$(net6 "$other"):/64";
  preshared-key "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc";
  spi 1234;
}
CONF
}

lab_two_sites_up "$P" || fail "cannot build the lab topology"
for site in $LAB_SITES; do
  host="$P-host-$site"
  ip netns exec "$host" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=0 || fail "IPv6 on $host"
  ip -n "$host" addr add "$(host6 "$site")/64" dev eth0 nodad
  ip -n "$host" -6 route add "$(net6 "$(lab_other_site "$site")"):/64" via "$(gw6 "$site")"
  config "$site" >"$TMP/$site.conf"
  lab_start_gateway "$P" "$site" "$(name_of "$site")" "$BACKEND" "$TMP/$site.conf" \
    "$TMP/$site.log" || fail "$site gateway did not start"
done
ping6_once() {  # ping6_once FROM TO [OPTIONS...]
  local from=$1 to=$2
  shift 2
  ip netns exec "$P-host-$from" timeout 10 ping -6 -n -c 1 -W 1 "$@" "$(host6 "$to")" 2>&1
}

# 1. The key exchange, then every echo both ways.
ok=0
for ((i = 0; i < 20; i++)); do
  ping6_once paris tokyo >/dev/null && ping6_once tokyo paris >/dev/null && { ok=1; break; }
done
[ $ok = 1 ] || fail "no ping6 between the hosts through the tunnel within 20 tries"
for pair in "paris tokyo" "tokyo paris"; do
  read -r from to <<<"$pair"
  out=$(ip netns exec "$P-host-$from" timeout 20 ping -6 -n -c 5 -i 0.2 -W 2 "$(host6 "$to")" 2>&1)
  echo "$out" | grep -q " 5 received" || fail "ping6 $from -> $to: $(echo "$out" | tail -2)"
  echo "PASS ping6 $from -> $to through an IPv4 tunnel: 5 of 5"
done

# 2. ESP in IPv4 on the WAN, nothing IPv6 there.
ip netns exec "$P-wan" timeout 8 tcpdump -l -n -i to-tokyo -c 4 'ip proto 50 or ip6' \
  >"$TMP/wire" 2>/dev/null &
capture=$!
sleep 1
ping6_once paris tokyo -c 2 >/dev/null
wait "$capture"
grep -q "IP $(lab_site_wan paris).10 > $(lab_site_wan tokyo).10: ESP" "$TMP/wire" ||
  fail "no ESP in IPv4 from vita-paris on the WAN: $(cat "$TMP/wire")"
grep -q "IP6" "$TMP/wire" && fail "IPv6 on the IPv4 WAN: $(cat "$TMP/wire")"
echo "PASS the WAN carries ESP in IPv4: $(grep -c ESP "$TMP/wire") ESP packets captured, no IPv6"

# 3. Hop limit 1 and 2: Time Exceeded from each gateway's private address.
for hops in 1 2; do
  [ $hops = 1 ] && from_gw=$(gw6 paris) || from_gw=$(gw6 tokyo)
  out=$(ping6_once paris tokyo -t $hops)
  echo "$out" | grep -q "From $from_gw icmp_seq=1 Time exceeded" ||
    fail "hop limit $hops: expected Time Exceeded from $from_gw, got: $out"
  echo "PASS hop limit $hops: ICMPv6 Time Exceeded from $from_gw"
done

# 4. Packet Too Big with mtu 1400 (IPv6 header 40 + ICMPv6 8 + data).
out=$(ping6_once paris tokyo -M do -s $((1401 - 48)))
echo "$out" | grep -q "From $(gw6 paris) icmp_seq=1 Packet too big: mtu=1400" ||
  fail "1401-byte packet: expected Packet Too Big (mtu 1400) from $(gw6 paris), got: $out"
out=$(ping6_once paris tokyo -M do -s $((1400 - 48)))
echo "$out" | grep -q " 1 received" || fail "1400-byte packet did not cross: $out"
echo "PASS 1401 bytes: Packet Too Big (mtu 1400) from vita-paris; 1400 bytes cross"

# 5. The counters are named by each side's family.
state=$(cat "$STRAIT_RUN_DIR/$(name_of paris)/gateway-state")
for container in "public-icmp4 {" "private-icmp6 {" "inbound-sa {"; do
  echo "$state" | grep -q "$container" || fail "vita-paris state has no '$container': $state"
done
echo "$state" | grep -q "public-icmp6 {" && fail "vita-paris state names its public side IPv6"
echo "PASS gateway-state: public-icmp4 and private-icmp6"
echo "dual_stack: all checks passed"
