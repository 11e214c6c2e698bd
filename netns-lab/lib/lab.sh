# shellcheck shell=bash
# The paris/tokyo lab of `make lab-up` (sourced by netns-lab/lab-*.sh):
# names, addresses and the small helpers the lab scripts share.
#
#   pod-paris-1 -- kube-node-paris -- vita-paris ==internet== vita-tokyo -- kube-node-tokyo -- pod-tokyo-1
#
# Every namespace name is prefixed with "$LAB_PREFIX-" when LAB_PREFIX is
# set (the CTest lab tests build their own copy that way); the run
# directory follows the prefix too (LAB_RUN_DIR overrides it).

LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_SOURCE_DIR=$(cd "$LAB_HERE/.." && pwd)
LAB_PREFIX=${LAB_PREFIX:-}
LAB_RUN_DIR=${LAB_RUN_DIR:-/run/strait-lab${LAB_PREFIX:+-$LAB_PREFIX}}
LAB_BACKEND=${LAB_BACKEND:-xdp}
LAB_WAN=${LAB_WAN:-paris-tokyo}
# 4: the seed's IPv4 everywhere; dual: an IPv6-only internet between the
# gateways carrying the IPv4 regions (docs/dual-stack.md).
LAB_FAMILY=${LAB_FAMILY:-4}
LAB_NAT=${LAB_NAT:-}  # 1: vita-tokyo behind a NAT, NAT traversal on (lib/nat.sh)
STRAIT=${STRAIT:-$LAB_SOURCE_DIR/build/strait}
PYTHON=/usr/bin/python3
export STRAIT_RUN_DIR=$LAB_RUN_DIR/strait

LAB_SITES="paris tokyo"
# Roles, in build order; pods last.
LAB_ROLES="kube-node-paris vita-paris internet vita-tokyo kube-node-tokyo pod-paris-1 pod-tokyo-1"
# And those of some modes only (LAB_NAT=1: nat-tokyo), which lab-down and
# lab_any_ns look for whatever the mode.
LAB_ALL_ROLES="$LAB_ROLES nat-tokyo"

lab_ns() { echo "${LAB_PREFIX:+$LAB_PREFIX-}$1"; }  # lab_ns ROLE
lab_other() { [ "$1" = paris ] && echo tokyo || echo paris; }

# Addresses, by site (paris | tokyo).
lab_vpc() { [ "$1" = paris ] && echo 172.31.0.0/16 || echo 172.32.0.0/16; }
lab_node_ip() { [ "$1" = paris ] && echo 172.31.1.20 || echo 172.32.1.20; }
lab_gw_private_ip() { [ "$1" = paris ] && echo 172.31.1.10 || echo 172.32.1.10; }
lab_gw_public_net() { [ "$1" = paris ] && echo 198.51.100 || echo 203.0.113; }
lab_gw_public_ip() { echo "$(lab_gw_public_net "$1").$((9 + $2))"; }  # SITE QUEUE
lab_router_ip() { echo "$(lab_gw_public_net "$1").1"; }
# LAB_FAMILY=dual: the internet's IPv6 networks, 2001:db8:51::/64 (paris,
# gateway ::10 and ::11, router ::1) and 2001:db8:113::/64 (tokyo).
lab_gw_public_net6() { [ "$1" = paris ] && echo 2001:db8:51: || echo 2001:db8:113:; }
lab_router_ip6() { echo "$(lab_gw_public_net6 "$1"):1"; }
lab_pod_net() { [ "$1" = paris ] && echo 10.244.1 || echo 10.244.2; }
lab_pod_ip() { echo "$(lab_pod_net "$1").2"; }
lab_vtep_mac() { [ "$1" = paris ] && echo 0e:5e:00:00:01:00 || echo 0e:5e:00:00:02:00; }
# The route MTU of the seed (`ip route add ... mtu 1440`) and the overlay's:
# VXLAN adds 50 bytes (outer IPv4 20, UDP 8, VXLAN 8, inner Ethernet 14).
# With LAB_NAT=1 the tunnel takes 8 bytes less (ESP in UDP). Over the IPv6
# internet of LAB_FAMILY=dual (1500-byte links) the outer header is 20 bytes
# longer: an inner packet of mtu bytes leaves as mtu + 77, so 1423 at most.
# lab_apply_mode sets them (again, once lab_load_settings has read the mode).
lab_apply_mode() {
  [ "$LAB_NAT" = 0 ] && LAB_NAT=
  LAB_TUNNEL_MTU=1440
  [ "$LAB_FAMILY" = dual ] && LAB_TUNNEL_MTU=1420
  [ "$LAB_NAT" = 1 ] && LAB_TUNNEL_MTU=1432
  LAB_OVERLAY_MTU=$((LAB_TUNNEL_MTU - 50))
  return 0
}
LAB_VXLAN_PORT=8472

# The gateway's interface MACs, from its configuration file (the lab gives
# the veths the same addresses).
lab_conf_mac() {  # lab_conf_mac SITE IFNAME
  awk -v ifname="$2" '/ifname/ { gsub(";", "", $2); found = ($2 == ifname) }
    found && $1 == "mac" { gsub(";", "", $2); print $2; exit }' "$LAB_HERE/vita-$1.conf"
}

lab_kube_dir() { echo "$LAB_RUN_DIR/kube"; }
lab_kubeconfig() { echo "$LAB_RUN_DIR/kube/cluster-admin.kubeconfig"; }
# lab_kubectl ARGS...: the real kubectl, on kube-node-paris like the seed.
lab_kubectl() {
  KUBECONFIG=$(lab_kubeconfig) ip netns exec "$(lab_ns kube-node-paris)" \
    timeout 20 kubectl --request-timeout=10s "$@"
}

lab_ns_exists() { ip netns list 2>/dev/null | awk '{ print $1 }' | grep -qx "$1"; }

# lab_any_ns: true when any lab namespace of this prefix exists.
lab_any_ns() {
  local role
  for role in $LAB_ALL_ROLES; do lab_ns_exists "$(lab_ns "$role")" && return 0; done
  return 1
}

# lab_start NAME NS COMMAND...: runs COMMAND in namespace NS in the
# background, detached from the caller (its own session, stdin from
# /dev/null), log in $LAB_RUN_DIR/logs/NAME.log, pid in
# $LAB_RUN_DIR/pids/NAME.pid.
lab_start() {
  local name=$1 ns=$2
  shift 2
  mkdir -p "$LAB_RUN_DIR/logs" "$LAB_RUN_DIR/pids"
  # ip netns exec execs COMMAND, so the pid written is COMMAND's.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$LAB_RUN_DIR/pids/$name.pid" \
    ip netns exec "$ns" "$@" </dev/null >>"$LAB_RUN_DIR/logs/$name.log" 2>&1 &
  local i
  for ((i = 0; i < 50; i++)); do
    [ -s "$LAB_RUN_DIR/pids/$name.pid" ] && return 0
    sleep 0.1
  done
  return 1
}

lab_pid() { cat "$LAB_RUN_DIR/pids/$1.pid" 2>/dev/null; }
lab_running() { local pid; pid=$(lab_pid "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; }

# lab_stop NAME: SIGTERM, up to 10 s, then SIGKILL.
lab_stop() {
  local name=$1 pid i
  pid=$(lab_pid "$name") || return 0
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$LAB_RUN_DIR/pids/$name.pid"
  return 0
}

lab_log_tail() {  # lab_log_tail NAME: the last lines of a process's log
  [ -f "$LAB_RUN_DIR/logs/$1.log" ] && tail -n 15 "$LAB_RUN_DIR/logs/$1.log" | sed 's/^/    | /'
  return 0
}

# lab_gateway_start SITE [CONFIG]: `strait run --name vita-SITE` in its
# namespace on the lab backend; waits (15 s at most) for its first
# gateway-state. The gateway reads a copy of CONFIG in the run directory
# that only root may read (it holds a pre-shared key: strait run refuses a
# key file others may read, and a checkout's files are 0644).
lab_gateway_start() {
  local site=$1 conf=${2:-$(lab_gateway_conf "$1")} name="vita-$1" i
  rm -f "$STRAIT_RUN_DIR/$name/gateway-state"
  mkdir -p -m 700 "$LAB_RUN_DIR/config"
  install -m 600 "$conf" "$LAB_RUN_DIR/config/$name.conf" || return 1
  lab_start "$name" "$(lab_ns "$name")" "$STRAIT" run --name "$name" "--$LAB_BACKEND" \
    --config "$LAB_RUN_DIR/config/$name.conf" || return 1
  for ((i = 0; i < 150; i++)); do
    [ -s "$STRAIT_RUN_DIR/$name/gateway-state" ] && return 0
    lab_running "$name" || return 1
    sleep 0.1
  done
  return 1
}

# lab_gateway_conf SITE: the configuration the lab runs SITE's gateway
# with: netns-lab/vita-SITE.conf; with LAB_FAMILY=dual the copy lab-up wrote
# (lab_write_dual_conf) with public-interface6 and the peer's IPv6
# addresses as route gateways; with LAB_NAT=1 its NAT-mode variant that
# lab-up wrote (lib/nat.sh).
lab_gateway_conf() {
  if [ "$LAB_NAT" = 1 ]; then
    echo "$LAB_RUN_DIR/nat/vita-$1.conf"
  elif [ "$LAB_FAMILY" = dual ]; then
    echo "$LAB_RUN_DIR/vita-$1-dual.conf"
  else
    echo "$LAB_HERE/vita-$1.conf"
  fi
}

# lab_write_dual_conf SITE: writes lab_gateway_conf SITE for LAB_FAMILY=dual
# from netns-lab/vita-SITE.conf: the public interfaces and the route's
# gateways on the IPv6 internet, mtu LAB_TUNNEL_MTU; the private side and
# the routes stay IPv4. Only root may read it (it holds the pre-shared key).
lab_write_dual_conf() {
  local site=$1 paris6 tokyo6
  paris6=$(lab_gw_public_net6 paris) tokyo6=$(lab_gw_public_net6 tokyo)
  (
    umask 077
    sed -e 's/^public-interface4 {/public-interface6 {/' \
      -e "s/ 198\.51\.100\.\([0-9]*\);/ $paris6:\1;/" \
      -e "s/ 203\.0\.113\.\([0-9]*\);/ $tokyo6:\1;/" \
      -e "s/^mtu [0-9]*;/mtu $LAB_TUNNEL_MTU;/" \
      "$LAB_HERE/vita-$site.conf" >"$(lab_gateway_conf "$site")"
  )
}

# lab_gateway_state_file SITE: the gateway-state file `strait run` rewrites
# every 2 s (what the lab scripts check).
lab_gateway_state_file() { cat "$STRAIT_RUN_DIR/vita-$1/gateway-state" 2>/dev/null; }

# lab_gateway_state SITE: the gateway's run-time state as an operator asks
# for it, `strait config get-state vita-SITE /gateway-state` (over the
# gateway's control socket), or its gateway-state file when this strait
# has no `config` command. LAB_STATE_SOURCE says which one answered.
lab_gateway_state() {
  local name="vita-$1" state
  if state=$(timeout 10 "$STRAIT" config get-state "$name" /gateway-state 2>/dev/null) &&
    [ -n "$state" ]; then
    LAB_STATE_SOURCE="strait config get-state $name /gateway-state"
  else
    state=$(lab_gateway_state_file "$1")
    LAB_STATE_SOURCE="$STRAIT_RUN_DIR/$name/gateway-state"
  fi
  echo "$state"
}

# lab_inbound_queues SITE: the queues that hold at least one inbound SA
# (one per line), i.e. where the key exchange completed.
lab_inbound_queues() {
  lab_gateway_state_file "$1" | awk '/inbound-sa \{/ { sa = 1 } sa && $1 == "queue" { gsub(";", "", $2); print $2; sa = 0 }' |
    sort -u
}

# lab_load_settings: the backend and internet profile the lab was brought
# up with (lab-verify and lab-status act on the lab as it is, whatever the
# caller's environment says).
lab_load_settings() {
  local key value
  [ -f "$LAB_RUN_DIR/settings" ] || return 0
  while IFS='=' read -r key value; do
    case $key in
      LAB_BACKEND) LAB_BACKEND=$value ;;
      LAB_WAN) LAB_WAN=$value ;;
      LAB_FAMILY) LAB_FAMILY=$value ;;
      LAB_NAT) LAB_NAT=$value ;;
    esac
  done <"$LAB_RUN_DIR/settings"
  lab_apply_mode
}

lab_wan_available() { "$STRAIT" wan --help >/dev/null 2>&1; }

. "$LAB_HERE/lib/nat.sh"
lab_apply_mode
