# shellcheck shell=bash
# LAB_NAT=1 (sourced by netns-lab/lib/lab.sh): vita-tokyo behind a
# masquerading NAT (nftables) in a namespace of its own, between the
# gateway's public interfaces and the internet, and both gateways with NAT
# traversal (ESP in UDP, docs/NAT-TRAVERSAL.md):
#
#   vita-tokyo eth2 100.64.0.10 --+                  nat-tokyo                  internet
#   vita-tokyo eth3 100.64.0.11 --+-- br-in 100.64.0.1 [masquerade] out0 203.0.113.10 -- br-tokyo
#
# Everything vita-tokyo sends leaves from 203.0.113.10, UDP from a port the
# NAT picks in LAB_NAT_PORTS (never the port it was sent from); nothing gets
# in that does not answer a mapping. vita-tokyo keeps its identities
# (nat-ip 203.0.113.10 and .11, the addresses vita-paris knows it by); the
# address and ports its packets really come from, vita-paris learns from
# authenticated packets. lab_nat_rebind flushes the NAT's mappings and
# moves its port range: the mid-transfer check of lab-verify.

LAB_NAT_INSIDE=100.64.0
LAB_NAT_OUTSIDE=203.0.113.10
LAB_NAT_PORTS=40000-44999
LAB_NAT_PORTS_REBOUND=45000-49999
LAB_NAT_KEEPALIVE=5  # seconds: keepalive-interval of both gateways

# lab_nat_conf SITE: SITE's configuration for NAT mode, on stdout.
lab_nat_conf() {
  local site=$1 net
  net=$(lab_gw_public_net tokyo)
  if [ "$site" = tokyo ]; then
    sed -e "s/^  ip $net\.\(1[01]\);/  ip $LAB_NAT_INSIDE.\1;\n  nat-ip $net.\1;/" \
      -e "s/^  nexthop-ip $net\.1;/  nexthop-ip $LAB_NAT_INSIDE.1;/" \
      -e 's/^  spi 1234;/  spi 1234;\n  udp-encapsulation true;/' "$LAB_HERE/vita-tokyo.conf"
  else
    sed -e 's/^  spi 1234;/  spi 1234;\n  udp-encapsulation true;/' "$LAB_HERE/vita-paris.conf"
  fi
  printf 'nat-traversal {\n  port 4500;\n  keepalive-interval %s;\n}\n' "$LAB_NAT_KEEPALIVE"
}

# lab_nat_rules RANGE: the NAT's nftables ruleset, UDP mapped into RANGE.
lab_nat_rules() {
  cat <<NFT
table ip strait_lab_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "out0" meta l4proto udp masquerade to :$1
    oifname "out0" masquerade
  }
}
NFT
}

# lab_nat_up NS-NAT NS-GW NS-NET: the NAT namespace (created by the
# caller), tokyo's public interfaces eth2 / eth3 in NS-GW on its inside,
# out0 on the internet's br-tokyo.
lab_nat_up() {
  local nat=$1 gw=$2 net=$3 q ifname
  ip -n "$nat" link add br-in type bridge
  ip -n "$nat" addr add "$LAB_NAT_INSIDE.1/24" dev br-in
  ip -n "$nat" link set br-in up
  for q in 1 2; do
    ifname=eth$((q + 1))
    ip link add "$ifname" netns "$gw" type veth peer name "in-tokyo-$q" netns "$nat"
    ip -n "$gw" link set "$ifname" address "$(lab_conf_mac tokyo "$ifname")"
    ip -n "$nat" link set "in-tokyo-$q" master br-in
    ip netns exec "$nat" ethtool --offload "in-tokyo-$q" rx off tx off >/dev/null 2>&1 || true
    ip -n "$nat" link set "in-tokyo-$q" up
  done
  ip link add out0 netns "$nat" type veth peer name to-nat-tokyo netns "$net"
  ip -n "$net" link set to-nat-tokyo master br-tokyo
  ip netns exec "$net" ethtool --offload to-nat-tokyo rx off tx off >/dev/null 2>&1 || true
  ip -n "$net" link set to-nat-tokyo up
  ip netns exec "$nat" ethtool --offload out0 rx off tx off >/dev/null 2>&1 || true
  ip -n "$nat" addr add "$LAB_NAT_OUTSIDE/24" dev out0
  ip -n "$nat" link set out0 up
  ip -n "$nat" route add default via "$(lab_router_ip tokyo)"
  ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
  lab_nat_rules "$LAB_NAT_PORTS" | ip netns exec "$nat" nft -f -
}

# lab_nat_rebind NS-NAT: the NAT forgets every mapping (its conntrack table
# flushed) and maps UDP into the other port range from now on, so every
# flow gets a new outside port.
lab_nat_rebind() {
  local nat=$1 range=$LAB_NAT_PORTS
  ip netns exec "$nat" nft list ruleset | grep -q "masquerade to :$LAB_NAT_PORTS" &&
    range=$LAB_NAT_PORTS_REBOUND
  {
    echo "flush ruleset"
    lab_nat_rules "$range"
  } | ip netns exec "$nat" nft -f - &&
    ip netns exec "$nat" conntrack -F >/dev/null 2>&1
}

# lab_nat_ports NS-NAT: the outside UDP ports of the NAT's mappings of
# vita-tokyo's port 4500 (one per line): the reply direction's destination
# port.
lab_nat_ports() {
  ip netns exec "$1" conntrack -L -p udp --orig-port-src 4500 -s "$LAB_NAT_INSIDE.0/24" 2>/dev/null |
    awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^dport=/ && ++n == 2) { sub("dport=", "", $i); print $i } }' |
    sort -u
}
