#!/bin/bash
# lab-up.sh: the seed's two-region lab on this machine, in network
# namespaces (`make lab-up` installs what is missing and builds first).
#
#   pod-paris-1                                                     pod-tokyo-1
#   10.244.1.2                                                       10.244.2.2
#        |  cni0 10.244.1.1                              cni0 10.244.2.1  |
#   kube-node-paris  ====== VXLAN flannel.1 (id 1, udp 8472) ======  kube-node-tokyo
#   eth0 172.31.1.20                                               eth0 172.32.1.20
#        |  (route 172.32.0.0/16 via 172.31.1.10 mtu 1440)              |
#   vita-paris eth1 172.31.1.10                          vita-tokyo eth1 172.32.1.10
#   eth2 198.51.100.10 (queue 1)                       eth2 203.0.113.10 (queue 1)
#   eth3 198.51.100.11 (queue 2)                       eth3 203.0.113.11 (queue 2)
#        \___ br-paris -- [strait wan] -- router (internet) -- br-tokyo ___/
#
# Environment: LAB_BACKEND=xdp|af-packet (gateways), LAB_WAN=paris-tokyo|
# lan|lossy (the internet's link emulation), LAB_FAMILY=4|dual (dual: the
# internet is IPv6-only, the gateways' public interfaces and the tunnel's
# outer headers IPv6, the regions IPv4; docs/dual-stack.md), LAB_NAT=1
# (vita-tokyo behind a masquerading NAT, NAT traversal on: lib/nat.sh; not
# with LAB_FAMILY=dual), LAB_PREFIX (prefix of every
# namespace name, for parallel copies), STRAIT (the binary, default
# build/strait). Root only. Nothing is added to the root namespace; on any
# failure the half-built lab is removed.
set -Eeuo pipefail
. "$(dirname "$0")/lib/lab.sh"
. "$LAB_HERE/lib/kube.sh"

STEPS=9
STEP=0
CURRENT="checking the machine"
DONE=

step() {
  STEP=$((STEP + 1))
  CURRENT=$*
  echo "lab-up: [$STEP/$STEPS] $*"
}
die() {
  echo "lab-up: FAIL ($CURRENT): $*" >&2
  exit 1
}
on_error() { echo "lab-up: command failed (line $1): $2" >&2; }
on_exit() {
  local status=$?
  if [ -z "$DONE" ] && [ "$CREATED" = 1 ]; then
    echo "lab-up: FAILED at step $STEP ($CURRENT); removing the half-built lab" >&2
    if [ -d "$LAB_RUN_DIR/logs" ] && [ -n "$(ls -A "$LAB_RUN_DIR/logs")" ]; then
      local kept
      kept=$(mktemp -d /tmp/strait-lab-failed.XXXXXX)
      cp -r "$LAB_RUN_DIR/logs/." "$kept/"
      echo "lab-up: its logs are kept in $kept" >&2
    fi
    "$LAB_HERE/lab-down.sh" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
CREATED=0
trap 'on_error $LINENO "$BASH_COMMAND"' ERR
trap on_exit EXIT

# --- checks ------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "needs root (network namespaces): run it with sudo"
if [ -f "$LAB_RUN_DIR/up" ] && lab_any_ns; then
  echo "lab-up: the lab is already up (namespaces ${LAB_PREFIX:+$LAB_PREFIX-}kube-node-paris ...; $(cat "$LAB_RUN_DIR/up"))"
  echo "lab-up: nothing done. 'make lab-status' shows it, 'make lab-down' removes it."
  DONE=1
  exit 0
fi
[ -x "$STRAIT" ] || die "no strait binary at $STRAIT (make build)"
case $LAB_BACKEND in xdp | af-packet) ;; *) die "LAB_BACKEND must be xdp or af-packet, not '$LAB_BACKEND'" ;; esac
case $LAB_WAN in lan | paris-tokyo | lossy) ;; *) die "LAB_WAN must be paris-tokyo, lan or lossy, not '$LAB_WAN'" ;; esac
case $LAB_FAMILY in 4 | dual) ;; *) die "LAB_FAMILY must be 4 or dual, not '$LAB_FAMILY'" ;; esac
case $LAB_NAT in "" | 0 | 1) ;; *) die "LAB_NAT must be 1 (vita-tokyo behind a NAT) or unset, not '$LAB_NAT'" ;; esac
[ "$LAB_NAT" = 1 ] && [ "$LAB_FAMILY" = dual ] &&
  die "LAB_NAT=1 and LAB_FAMILY=dual are separate labs: the NAT lab's internet is IPv4 (use one of them)"
ROLES=$LAB_ROLES
if [ "$LAB_NAT" = 1 ]; then
  ROLES="$ROLES nat-tokyo"
  for tool in nft conntrack; do
    command -v "$tool" >/dev/null || die "LAB_NAT=1: missing tool '$tool' (make deps: Debian's nftables and conntrack)"
  done
fi
for tool in ip ethtool setsid kubectl ping traceroute iperf3; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (make deps)"
done
if ! lab_wan_available && [ "$LAB_WAN" != lan ]; then
  die "this strait has no 'wan' command (the link emulator) yet: only LAB_WAN=lan works"
fi
if lab_any_ns || [ -d "$LAB_RUN_DIR" ]; then
  echo "lab-up: removing the remains of an earlier, incomplete lab"
  "$LAB_HERE/lab-down.sh" >/dev/null
fi

# --- build ---------------------------------------------------------------------
CREATED=1
NS_NODE_paris=$(lab_ns kube-node-paris) NS_NODE_tokyo=$(lab_ns kube-node-tokyo)
NS_GW_paris=$(lab_ns vita-paris) NS_GW_tokyo=$(lab_ns vita-tokyo)
NS_POD_paris=$(lab_ns pod-paris-1) NS_POD_tokyo=$(lab_ns pod-tokyo-1)
NS_NET=$(lab_ns internet)
var() { local v="$1_$2"; echo "${!v}"; }  # var NS_NODE paris

step "namespaces: $(for r in $ROLES; do printf '%s ' "$(lab_ns "$r")"; done)"
mkdir -p "$LAB_RUN_DIR/logs" "$LAB_RUN_DIR/pids" "$STRAIT_RUN_DIR"
printf 'LAB_BACKEND=%s\nLAB_WAN=%s\nLAB_FAMILY=%s\nLAB_NAT=%s\n' "$LAB_BACKEND" "$LAB_WAN" "$LAB_FAMILY" "$LAB_NAT" >"$LAB_RUN_DIR/settings"
for role in $ROLES; do
  ns=$(lab_ns "$role")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  # Name resolution in the lab: ip netns exec bind-mounts this over /etc/hosts.
  mkdir -p "/etc/netns/$ns"
  {
    echo "127.0.0.1 localhost"
    echo "127.0.1.1 $role"
    for site in $LAB_SITES; do
      echo "$(lab_node_ip $site) kube-node-$site"
      echo "$(lab_gw_private_ip $site) vita-$site"
      echo "$(lab_pod_ip $site) pod-$site-1"
    done
  } >"/etc/netns/$ns/hosts"
done

offload_off() { ip netns exec "$1" ethtool --offload "$2" rx off tx off >/dev/null 2>&1 || true; }
if [ "$LAB_FAMILY" = dual ]; then
  # The internet routes IPv6 (and only IPv6 reaches the gateways' public
  # interfaces: it has no IPv4 address on their side).
  ip netns exec "$NS_NET" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
    net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.all.forwarding=1
fi

if [ "$LAB_FAMILY" = dual ]; then
  step "internet: an IPv6 router between $(lab_gw_public_net6 paris):/64 and $(lab_gw_public_net6 tokyo):/64, link emulation '$LAB_WAN'"
else
  step "internet: a router between 198.51.100.0/24 and 203.0.113.0/24, link emulation '$LAB_WAN'"
fi
# The paris side reaches the router through the emulator, which therefore
# carries every packet between the regions once each way:
#   br-paris [to-paris-1 to-paris-2 wan-paris] ~ wan-paris-e <strait wan> wan-core-e ~ wan-core (router)
#   br-tokyo [to-tokyo-1 to-tokyo-2] (router)
ip netns exec "$NS_NET" sysctl -qw net.ipv4.ip_forward=1
for site in $LAB_SITES; do
  ip -n "$NS_NET" link add "br-$site" type bridge
  ip -n "$NS_NET" link set "br-$site" up
done
ip -n "$NS_NET" link add wan-paris type veth peer name wan-paris-e
ip -n "$NS_NET" link add wan-core type veth peer name wan-core-e
ip -n "$NS_NET" link set wan-paris master br-paris
for ifname in wan-paris wan-paris-e wan-core wan-core-e; do
  offload_off "$NS_NET" "$ifname"
  ip -n "$NS_NET" link set "$ifname" up
done
if [ "$LAB_FAMILY" = dual ]; then
  ip -n "$NS_NET" addr add "$(lab_router_ip6 paris)/64" dev wan-core nodad
  ip -n "$NS_NET" addr add "$(lab_router_ip6 tokyo)/64" dev br-tokyo nodad
  # Neighbor solicitations are multicast: flooded, not left to MLD snooping.
  for site in $LAB_SITES; do ip -n "$NS_NET" link set "br-$site" type bridge mcast_snooping 0; done
else
  ip -n "$NS_NET" addr add "$(lab_router_ip paris)/24" dev wan-core
  ip -n "$NS_NET" addr add "$(lab_router_ip tokyo)/24" dev br-tokyo
fi
if lab_wan_available; then
  lab_start wan "$NS_NET" "$STRAIT" wan --between wan-paris-e wan-core-e --profile "$LAB_WAN"
  # Up once it says so (its ports open); 10 s at most.
  for ((i = 0; i < 100; i++)); do
    grep -q "strait wan: wan-paris-e <-> wan-core-e" "$LAB_RUN_DIR/logs/wan.log" && break
    lab_running wan || break
    sleep 0.1
  done
  grep -q "strait wan: wan-paris-e <-> wan-core-e" "$LAB_RUN_DIR/logs/wan.log" || {
    lab_log_tail wan
    die "strait wan exited at start-up or did not open its ports within 10 s"
  }
  echo "lab-up:       strait wan --between wan-paris-e wan-core-e --profile $LAB_WAN (pid $(lab_pid wan))"
else
  # Stand-in while this strait has no link emulator: a plain bridge (lan).
  ip -n "$NS_NET" link add br-wan type bridge
  ip -n "$NS_NET" link set wan-paris-e master br-wan
  ip -n "$NS_NET" link set wan-core-e master br-wan
  ip -n "$NS_NET" link set br-wan up
  echo "lab-up:       (no 'strait wan' in this build: a bridge stands in, no delay)"
fi

step "gateways' interfaces: eth1 (private, 2 queues), eth2 and eth3 (public, queues 1 and 2)"
for site in $LAB_SITES; do
  gw=$(var NS_GW $site) node=$(var NS_NODE $site)
  ip link add eth0 netns "$node" numrxqueues 2 numtxqueues 2 type veth \
    peer name eth1 netns "$gw" numrxqueues 2 numtxqueues 2
  ip -n "$gw" link set eth1 address "$(lab_conf_mac $site eth1)"
  if [ "$site" = tokyo ] && [ "$LAB_NAT" = 1 ]; then
    # eth2 / eth3 inside the NAT, which stands on br-tokyo (lib/nat.sh).
    lab_nat_up "$(lab_ns nat-tokyo)" "$gw" "$NS_NET"
    echo "lab-up:       vita-tokyo behind $(lab_ns nat-tokyo): $LAB_NAT_INSIDE.10/.11 masqueraded as $LAB_NAT_OUTSIDE, UDP ports $LAB_NAT_PORTS"
  else
    for q in 1 2; do
      ifname=eth$((q + 1))
      ip link add "$ifname" netns "$gw" type veth peer name "to-$site-$q" netns "$NS_NET"
      ip -n "$gw" link set "$ifname" address "$(lab_conf_mac $site "$ifname")"
      ip -n "$NS_NET" link set "to-$site-$q" master "br-$site"
      offload_off "$NS_NET" "to-$site-$q"
      ip -n "$NS_NET" link set "to-$site-$q" up
    done
  fi
  for ifname in eth1 eth2 eth3; do
    offload_off "$gw" "$ifname"
    ip -n "$gw" link set "$ifname" up
  done
done

step "Kubernetes nodes: eth0, and the remote region via the gateway with mtu $LAB_TUNNEL_MTU"
for site in $LAB_SITES; do
  node=$(var NS_NODE $site)
  ip -n "$node" addr add "$(lab_node_ip $site)/24" dev eth0
  offload_off "$node" eth0
  ip -n "$node" link set eth0 up
  # As in the seed: ip route add <remote VPC> via <vita private ip> dev eth0 mtu 1440
  ip -n "$node" route add "$(lab_vpc "$(lab_other $site)")" via "$(lab_gw_private_ip $site)" \
    dev eth0 mtu "$LAB_TUNNEL_MTU"
  ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
done

step "pod network: cni0 and a pod per node, VXLAN flannel.1 across the tunnel (mtu $LAB_OVERLAY_MTU)"
for site in $LAB_SITES; do
  node=$(var NS_NODE $site) pod=$(var NS_POD $site) other=$(lab_other $site)
  net=$(lab_pod_net $site) other_net=$(lab_pod_net "$other")
  ip -n "$node" link add cni0 mtu "$LAB_OVERLAY_MTU" type bridge
  ip -n "$node" addr add "$net.1/24" dev cni0
  ip -n "$node" link set cni0 up
  ip link add eth0 netns "$pod" mtu "$LAB_OVERLAY_MTU" type veth \
    peer name "veth-pod1" netns "$node" mtu "$LAB_OVERLAY_MTU"
  ip -n "$node" link set veth-pod1 master cni0
  offload_off "$node" veth-pod1
  ip -n "$node" link set veth-pod1 up
  ip -n "$pod" addr add "$(lab_pod_ip $site)/24" dev eth0
  offload_off "$pod" eth0
  ip -n "$pod" link set eth0 up
  ip -n "$pod" route add default via "$net.1"
  # flannel's vxlan backend: flannel.1 holds <subnet>.0/32; the remote
  # subnet goes via the remote VTEP (static neighbour and FDB entries).
  ip -n "$node" link add flannel.1 address "$(lab_vtep_mac $site)" mtu "$LAB_OVERLAY_MTU" type vxlan \
    id 1 local "$(lab_node_ip $site)" dev eth0 dstport "$LAB_VXLAN_PORT" nolearning
  ip -n "$node" addr add "$net.0/32" dev flannel.1
  offload_off "$node" flannel.1
  ip -n "$node" link set flannel.1 up
  ip -n "$node" neigh add "$other_net.0" lladdr "$(lab_vtep_mac "$other")" dev flannel.1 nud permanent
  ip -n "$node" route add "$other_net.0/24" via "$other_net.0" dev flannel.1 onlink
  bridge -n "$node" fdb append "$(lab_vtep_mac "$other")" dev flannel.1 dst "$(lab_node_ip "$other")"
done

step "gateways: strait run --name vita-paris / vita-tokyo --$LAB_BACKEND${LAB_NAT:+ (NAT traversal)}"
if [ "$LAB_NAT" = 1 ]; then
  mkdir -p -m 700 "$LAB_RUN_DIR/nat"
  for site in $LAB_SITES; do
    (umask 077 && lab_nat_conf $site >"$(lab_gateway_conf $site)")
  done
fi
for site in $LAB_SITES; do
  [ "$LAB_FAMILY" = dual ] && lab_write_dual_conf $site
  lab_gateway_start $site || {
    lab_log_tail "vita-$site"
    die "the vita-$site gateway did not start"
  }
  echo "lab-up:       vita-$site running (pid $(lab_pid "vita-$site")), config $(lab_gateway_conf $site)"
done

step "key exchange on both queues, and kube-node-paris <-> kube-node-tokyo through the tunnel"
deadline=$((SECONDS + 60))
while ((SECONDS < deadline)); do
  ready=1
  for site in $LAB_SITES; do
    [ "$(lab_inbound_queues $site | tr '\n' ' ')" = "1 2 " ] || ready=0
  done
  [ $ready = 1 ] && break
  sleep 0.1
done
for site in $LAB_SITES; do
  queues=$(lab_inbound_queues $site | tr '\n' ' ')
  [ "$queues" = "1 2 " ] || {
    lab_log_tail "vita-$site"
    die "vita-$site: no SA negotiated on queues other than '${queues:-none}' within 60 s"
  }
done
ok=0
for ((i = 0; i < 10; i++)); do
  if ip netns exec "$NS_NODE_paris" ping -c 1 -W 2 -q kube-node-tokyo >/dev/null 2>&1 &&
    ip netns exec "$NS_NODE_tokyo" ping -c 1 -W 2 -q kube-node-paris >/dev/null 2>&1; then
    ok=1
    break
  fi
done
[ $ok = 1 ] || die "no ping between kube-node-paris and kube-node-tokyo through the tunnel"

step "Kubernetes: API server on https://kube-node-paris:6443, both nodes join"
kube_up || die "Kubernetes did not come up"

step "done"
echo "backend $LAB_BACKEND, wan $LAB_WAN${LAB_FAMILY:+, family $LAB_FAMILY}${LAB_NAT:+, vita-tokyo behind a NAT}, since $(date '+%F %T')" >"$LAB_RUN_DIR/up"
DONE=1
P=${LAB_PREFIX:+$LAB_PREFIX-}
cat <<EOF

The lab is up (backend $LAB_BACKEND, internet profile $LAB_WAN; run directory $LAB_RUN_DIR).

A shell on each node (a new shell inside its namespace):
  sudo ip netns exec ${P}kube-node-paris bash
  sudo ip netns exec ${P}kube-node-tokyo bash
  sudo ip netns exec ${P}pod-paris-1 bash        # a pod of kube-node-paris
  sudo ip netns exec ${P}vita-paris bash          # the paris gateway's namespace

On kube-node-paris (the seed's "Verifying the Setup"):
  ping -c 3 kube-node-tokyo
  traceroute -n kube-node-tokyo
  iperf3 -s -D; (on kube-node-tokyo) iperf3 -c kube-node-paris -t 5
  export KUBECONFIG=$(lab_kubeconfig)
  kubectl get nodes
  kubectl --namespace kube-system get pods -o wide
  kubectl --namespace kube-system get events
  kubectl get pods -o wide

On kube-node-tokyo, the seed's join (the lab already did it, in the background):
  netns-lab/kube-join --node kube-node-tokyo --ca $(lab_kube_dir)/ca.crt < $(lab_kube_dir)/apitoken.secret

The gateways (from the root namespace):
  STRAIT_RUN_DIR=$STRAIT_RUN_DIR $STRAIT config get-state vita-paris /gateway-state
  cat $STRAIT_RUN_DIR/vita-paris/gateway-state     # the same, as strait run writes it
  STRAIT_RUN_DIR=$STRAIT_RUN_DIR $STRAIT top vita-paris          # live rates, drops, SAs (q quits)
  STRAIT_RUN_DIR=$STRAIT_RUN_DIR $STRAIT config get vita-paris /route4   # the running routes
  less $LAB_RUN_DIR/logs/vita-paris.log             # AKE completed, rekeys...
  make lab-status      # gateways, SAs and nodes on one screen
  make lab-verify      # every check, PASS / FAIL
  make lab-down        # removes all of it
EOF
