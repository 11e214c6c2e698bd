# Two sites joined by a WAN, in network namespaces (sourced by bash scripts):
#
#   P-host-paris --- P-gw-paris --- P-wan --- P-gw-tokyo --- P-host-tokyo
#
# P is a prefix unique to the caller (e.g. "sl$$"). Every interface lives
# in one of these namespaces; nothing touches the root namespace. The
# gateway namespaces get interfaces but no addresses: the gateway (strait
# run) owns them. The WAN namespace routes between the two public subnets;
# the hosts route the far site's network via their gateway's private
# address, with checksum offload off (AF_XDP / AF_PACKET never see the
# checksums a veth leaves to the hardware).
#
# Addresses (IPv4):
#   paris site  10.1.0.0/24: host 10.1.0.2, gateway private 10.1.0.1
#   tokyo site  10.2.0.0/24: host 10.2.0.2, gateway private 10.2.0.1
#   paris WAN   198.51.100.0/24: gateway public .10, WAN router .1
#   tokyo WAN   203.0.113.0/24:  gateway public .10, WAN router .1
# Gateway interface names: priv0 (private), pub0 (public).

LAB_SITES="paris tokyo"

lab_ns() { echo "$1-$2"; }  # lab_ns PREFIX ROLE (host-paris, gw-paris, wan, ...)

lab_site_net() { [ "$1" = paris ] && echo 10.1.0 || echo 10.2.0; }
lab_site_wan() { [ "$1" = paris ] && echo 198.51.100 || echo 203.0.113; }
lab_other_site() { [ "$1" = paris ] && echo tokyo || echo paris; }
# Fixed MACs of a site's host (eth0) and WAN bridge (two-queue lab only).
lab_host_mac() { [ "$1" = paris ] && echo 02:00:00:00:01:02 || echo 02:00:00:00:02:02; }
lab_wan_mac() { [ "$1" = paris ] && echo 02:00:00:00:01:01 || echo 02:00:00:00:02:01; }

lab_two_sites_down() {
  local p=$1 role
  for role in host-paris gw-paris wan gw-tokyo host-tokyo; do
    ip netns pids "$p-$role" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
    ip netns del "$p-$role" 2>/dev/null
  done
  return 0
}

# lab_two_sites_up PREFIX [QUEUES]: QUEUES 2 gives the host <-> private
# veth pairs two receive and two transmit queues, and each gateway a second
# public interface pub1 (public address .11, queue 2), bridged with pub0 in
# the WAN namespace.
lab_two_sites_up() {
  local p=$1 queues=${2:-1} site net wan host gw qopts=""
  lab_two_sites_down "$p"
  for role in host-paris gw-paris wan gw-tokyo host-tokyo; do
    ip netns add "$p-$role" || return 1
    ip -n "$p-$role" link set lo up
  done
  [ "$queues" = 2 ] && qopts="numrxqueues 2 numtxqueues 2"
  for site in $LAB_SITES; do
    net=$(lab_site_net $site)
    wan=$(lab_site_wan $site)
    host=$p-host-$site
    gw=$p-gw-$site
    # host <-> gateway private side
    # shellcheck disable=SC2086  # qopts is a list of options
    ip link add eth0 netns "$host" $qopts type veth peer name priv0 netns "$gw" $qopts || return 1
    if [ "$queues" = 2 ]; then
      ip link add pub1 netns "$gw" type veth peer name "to-$site-1" netns "$p-wan" || return 1
      ip netns exec "$gw" sysctl -qw net.ipv6.conf.pub1.disable_ipv6=1
      ip -n "$gw" link set pub1 up
      ip -n "$p-wan" link add "br-$site" address "$(lab_wan_mac $site)" type bridge || return 1
      ip -n "$host" link set eth0 address "$(lab_host_mac $site)"
      ip -n "$p-wan" link set "br-$site" up
      ip -n "$p-wan" link set "to-$site-1" master "br-$site" up
      ip netns exec "$p-wan" ethtool --offload "to-$site-1" rx off tx off >/dev/null 2>&1
    fi
    # gateway public side <-> WAN router
    ip link add pub0 netns "$gw" type veth peer name "to-$site" netns "$p-wan" || return 1
    for ifname in priv0 pub0; do
      ip netns exec "$gw" sysctl -qw "net.ipv6.conf.$ifname.disable_ipv6=1"
      ip -n "$gw" link set "$ifname" up
    done
    ip netns exec "$host" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
    ip -n "$host" addr add "$net.2/24" dev eth0
    ip -n "$host" link set eth0 up
    ip -n "$host" route add "$(lab_site_net "$(lab_other_site $site)").0/24" via "$net.1"
    ip netns exec "$host" ethtool --offload eth0 rx off tx off >/dev/null 2>&1
    ip netns exec "$p-wan" sysctl -qw "net.ipv6.conf.to-$site.disable_ipv6=1"
    if [ "$queues" = 2 ]; then
      ip -n "$p-wan" link set "to-$site" master "br-$site"
      ip -n "$p-wan" addr add "$wan.1/24" dev "br-$site"
    else
      ip -n "$p-wan" addr add "$wan.1/24" dev "to-$site"
    fi
    ip -n "$p-wan" link set "to-$site" up
    ip netns exec "$p-wan" ethtool --offload "to-$site" rx off tx off >/dev/null 2>&1
  done
  ip netns exec "$p-wan" sysctl -qw net.ipv4.ip_forward=1
}

# lab_gateway_config SITE MODE > FILE: the configuration of SITE's gateway
# for the topology above. MODE "data-plane": static SAs (spi 1001
# paris->tokyo, 1002 tokyo->paris); "key-exchange": the key manager
# negotiates them from the pre-shared key. QUEUES 2 (third argument): a
# second work queue on pub1 (see lab_two_sites_up), with its own SAs; the
# private next hop is resolved by ARP (the two workers share what either
# hears), the public ones are given.
lab_gateway_config() {
  local site=$1 mode=$2 queues=${3:-1} other net wan other_net other_wan q
  other=$(lab_other_site "$site")
  net=$(lab_site_net "$site"); wan=$(lab_site_wan "$site")
  other_net=$(lab_site_net "$other"); other_wan=$(lab_site_wan "$other")
  cat <<CONF
// $site gateway of the netns lab (netns-lab/lib/topology.sh), $mode
private-interface4 {
  ifname priv0;
  ip $net.1;
  nexthop-ip $net.2;
}
public-interface4 {
  ifname pub0;
  ip $wan.10;
  nexthop-ip $wan.1;
$([ "$queues" = 2 ] && echo "  nexthop-mac $(lab_wan_mac "$site");")
}
CONF
  [ "$queues" = 2 ] && cat <<CONF
public-interface4 {
  ifname pub1;
  ip $wan.11;
  nexthop-ip $wan.1;
  nexthop-mac $(lab_wan_mac "$site");
  queue 2;
}
CONF
  cat <<CONF
mtu 1400;
negotiation-ttl 2;
route4 {
  id $other;
  gateway { ip $other_wan.10; }
$([ "$queues" = 2 ] && echo "  gateway { ip $other_wan.11; queue 2; }")
  net "$other_net.0/24";
  preshared-key "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc";
  spi 1234;
}
CONF
  if [ "$mode" = data-plane ]; then
    local out=1001 in=1002
    [ "$site" = tokyo ] && out=1002 in=1001
    echo "data-plane true;"
    for ((q = 1; q <= queues; q++)); do
      cat <<CONF
outbound-sa {
  route $other;
  spi $out;
  aead aes-gcm-16-icv;
  key "000102030405060708090a0b0c0d0e$((out - 1000))f";
  salt "a0a1a2a$((out - 1000))";
  queue $q;
}
inbound-sa {
  route $other;
  spi $in;
  aead aes-gcm-16-icv;
  key "000102030405060708090a0b0c0d0e$((in - 1000))f";
  salt "a0a1a2a$((in - 1000))";
  queue $q;
}
CONF
    done
  fi
}

LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# lab_ping_address NS ADDRESS [TIMEOUT]: one echo request from namespace NS.
lab_ping_address() {
  ip netns exec "$1" /usr/bin/python3 "$LAB_LIB/ping.py" "$2" --timeout "${3:-1}"
}

# lab_ping P FROM-SITE TO-SITE [TRIES]: pings TO's host from FROM's host
# until one reply comes (at most TRIES one-second attempts, default 10).
lab_ping() {
  local p=$1 from=$2 to=$3 tries=${4:-10} i
  for ((i = 0; i < tries; i++)); do
    lab_ping_address "$p-host-$from" "$(lab_site_net "$to").2" 1 && return 0
  done
  return 1
}
