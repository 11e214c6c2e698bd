#!/bin/bash
# End-to-end throughput and CPU cost: iperf3 TCP from host-paris to
# host-tokyo through three contenders, alternated over RUNS rounds:
#   strait        two `strait run` gateways (BACKEND xdp (default) or af-packet)
#   wireguard-go  two wireguard-go gateways
#   plain         the gateway namespaces as plain kernel routers (no encryption)
# Each contender has a lab of its own (lib/topology.sh, namespace prefixes
# bs<pid>, bw<pid>, bk<pid>). Round r runs them in the order rotated by
# r - 1 (strait, wireguard-go, plain; then wireguard-go, plain, strait; ...),
# so no contender always runs first or last; STRAIT_VARIANTS adds strait
# contenders with other options to the rotation. strait's gateways are started for
# each of its runs and stopped after it (an idle strait worker still polls);
# wireguard-go and the plain routers cost nothing while idle and stay up.
#
# Every gateway process and both iperf3 ends are pinned (taskset; strait's
# worker also by `strait run --cpu`). Each run's CPU time is read over its
# iperf3 window: the gateways' own (utime + stime of their processes), the
# iperf3 ends' (iperf3's own rusage figures) and the ksoftirqd threads'.
# Writes OUT/result.json (every run, medians, ratios, CPU plan, machine),
# OUT/plot.png, OUT/runs/ (each run's iperf3 JSON and CPU snapshots) and
# prints a table. bench-e2e/report.py computes and plots; README.md
# ("End to end: make bench-e2e") defines every figure.
#
#   bench-e2e.sh [STRAIT]        (default: build/strait)
# Environment:
#   RUNS           rounds (each runs every contender once)         (default 5)
#   SECONDS_RUN    iperf3 duration of each run, s                  (default 10)
#   BACKEND        xdp | af-packet                                 (default xdp)
#   MODE           key-exchange | data-plane                       (default key-exchange)
#   STRAIT_ARGS    extra `strait run` options, e.g. "--busywait"
#   STRAIT_VARIANTS  more strait contenders, alternated with the others:
#                  "NAME=ARGS;NAME=ARGS", ARGS extra `strait run` options
#                  instead of STRAIT_ARGS, led by VAR=VALUE words for its
#                  environment, e.g. "busywait=--busywait" (contender
#                  strait+busywait)
#   CPUS_GATEWAYS  CPU of the paris and tokyo gateways, "P,T" or one CPU for both
#   CPUS_HOSTS     CPU of the iperf3 client (paris) and server (tokyo), the same way
#                  (defaults from nproc: 4 or more CPUs: gateways 2,3 and hosts 0,1;
#                  2 or 3: gateways 1, hosts 0; 1: everything on 0)
#   OUT            output directory                                (default build/bench-e2e)
#   PERF=1         after the rounds, one more strait run (not counted) under
#                  `perf record -g` on both gateways: OUT/perf-strait.data and
#                  its summary OUT/perf-strait.txt
#   PERF_SECONDS   length of that recording, s                     (default 5)
#   REQUIRE_RATIO  fail (exit 2) when strait's median Gbit/s is below this
#                  multiple of wireguard-go's (default: report only)
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
RUNS=${RUNS:-5}
STRAIT_ARGS=${STRAIT_ARGS:-}
OUT=${OUT:-$HERE/../build/bench-e2e}
PERF=${PERF:-0}
PERF_SECONDS=${PERF_SECONDS:-5}
REQUIRE_RATIO=${REQUIRE_RATIO:-}
INNER_MTU=1440
PYTHON=/usr/bin/python3
STRAIT_VARIANTS=${STRAIT_VARIANTS:-}
CONTENDERS=(strait wireguard-go plain)
declare -A VARIANT_ARGS=([strait]=$STRAIT_ARGS)
IFS=';' read -r -a variants <<<"$STRAIT_VARIANTS"
for v in "${variants[@]}"; do
  [ -z "${v// /}" ] && continue
  name=${v%%=*}
  [[ $v == *=* && $name =~ ^[a-z0-9-]+$ && -z ${VARIANT_ARGS[strait+$name]+x} ]] ||
    { echo "bench-e2e: STRAIT_VARIANTS: '$v' is not NAME=ARGS (NAME: a-z 0-9 -, once)" >&2; exit 1; }
  VARIANT_ARGS[strait+$name]=${v#*=}
  CONTENDERS+=("strait+$name")
done

ncpu=$(nproc)
if [ "$ncpu" -ge 4 ]; then
  default_gw=2,3 default_hosts=0,1
elif [ "$ncpu" -ge 2 ]; then
  default_gw=1 default_hosts=0
else
  default_gw=0 default_hosts=0
fi
CPUS_GATEWAYS=${CPUS_GATEWAYS:-$default_gw}
CPUS_HOSTS=${CPUS_HOSTS:-$default_hosts}
CPU_GW_paris=${CPUS_GATEWAYS%%,*} CPU_GW_tokyo=${CPUS_GATEWAYS##*,}
CPU_CLIENT=${CPUS_HOSTS%%,*} CPU_SERVER=${CPUS_HOSTS##*,}

# The outputs are for everyone to read; TMP (mode 700) holds the keys.
umask 022
TMP=$(mktemp -d /tmp/strait-bench.XXXXXX)
export STRAIT_RUN_DIR=$TMP/run
WG_paris="wg${$}p" WG_tokyo="wg${$}t" # unique: wireguard-go's socket is global
declare -A PID   # strait gateways (lib/processes.sh)
declare -A WGPID # wireguard-go gateways
PS="bs$$" PW="bw$$" PK="bk$$" # the three labs' namespace prefixes

cleanup() {
  local site
  trap '' INT TERM # a second signal must not cut the cleanup short
  lab_kill_all
  [ -n "${PERF_PID:-}" ] && kill -KILL "$PERF_PID" 2>/dev/null
  for site in paris tokyo; do
    [ -n "${WGPID[$site]:-}" ] && kill -KILL "${WGPID[$site]}" 2>/dev/null &&
      { wait "${WGPID[$site]}"; } 2>/dev/null
  done
  for p in "$PS" "$PW" "$PK"; do lab_two_sites_down "$p"; done
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

is_cpu() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -lt "$ncpu" ]; }

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
[ -x "$STRAIT" ] || fail "no strait binary at $STRAIT (make strait)"
case $BACKEND in af-packet | xdp) ;; *) fail "BACKEND must be af-packet or xdp" ;; esac
[[ $RUNS =~ ^[1-9][0-9]?$ ]] || fail "RUNS must be 1 to 99"
[[ $T =~ ^[1-9][0-9]*$ ]] && [ "$T" -le 300 ] || fail "SECONDS_RUN must be 1 to 300"
[[ $PERF_SECONDS =~ ^[1-9][0-9]?$ ]] || fail "PERF_SECONDS must be 1 to 99"
[[ $CPUS_GATEWAYS =~ ^[0-9]+(,[0-9]+)?$ && $CPUS_HOSTS =~ ^[0-9]+(,[0-9]+)?$ ]] ||
  fail "CPUS_GATEWAYS and CPUS_HOSTS must be one CPU or two: 1 or 0,1"
[[ -z $REQUIRE_RATIO || $REQUIRE_RATIO =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail "REQUIRE_RATIO must be a number"
for c in "$CPU_GW_paris" "$CPU_GW_tokyo" "$CPU_CLIENT" "$CPU_SERVER"; do
  is_cpu "$c" || fail "CPUS_GATEWAYS=$CPUS_GATEWAYS CPUS_HOSTS=$CPUS_HOSTS: $c is not one of CPUs 0-$((ncpu - 1))"
done
for tool in iperf3 wireguard-go wg ethtool taskset; do
  command -v $tool >/dev/null || fail "$tool is missing (ci/install-deps)"
done
[ "$PERF" = 0 ] || command -v perf >/dev/null || fail "PERF=1 needs perf (linux-perf, ci/install-deps)"
[ -x "$PYTHON" ] || fail "no $PYTHON (Debian's python3)"
mkdir -p "$OUT/runs" || fail "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
rm -f "$OUT"/runs/* "$OUT/result.json" "$OUT/plot.png" "$OUT"/perf-strait.*

# The ksoftirqd threads: softirq work the kernel defers to them belongs to
# no process of the run, and is counted as theirs.
KSOFTIRQD=$(pgrep '^ksoftirqd/' | tr '\n' ' ')

# host_routes PREFIX: the hosts route the far site with MTU 1440.
host_routes() {
  local p=$1 site far
  for site in paris tokyo; do
    far=$(lab_site_net "$(lab_other_site $site)")
    ip -n "$p-host-$site" route replace "$far.0/24" via "$(lab_site_net $site).1" mtu $INNER_MTU ||
      return 1
  done
}

# strait: the lab and the configurations; the gateways start per run.
lab_two_sites_up "$PS" && host_routes "$PS" || fail "cannot build the strait lab"
for site in paris tokyo; do
  # strait refuses a configuration holding keys that others may read.
  (umask 077 && lab_gateway_config $site "$MODE" |
    sed "s/^mtu [0-9]*;/mtu $INNER_MTU;/" >"$TMP/$site.conf")
  grep -q "^mtu $INNER_MTU;" "$TMP/$site.conf" || fail "cannot set mtu in the strait configuration"
done

# strait_up CONTENDER: starts both gateways with CONTENDER's options.
strait_up() {
  local site cpu word environment=() options=()
  for word in ${VARIANT_ARGS[$1]}; do
    if [ ${#options[@]} = 0 ] && [[ $word =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; then
      environment+=("$word")
    else
      options+=("$word")
    fi
  done
  for site in paris tokyo; do
    cpu=CPU_GW_$site
    # The whole process on the gateway's CPU (taskset), its worker too (--cpu).
    ip netns exec "$PS-gw-$site" env "${environment[@]}" taskset -c "${!cpu}" \
      "$STRAIT" run --name "b-$site-$$" "--$BACKEND" --cpu "${!cpu}" "${options[@]}" \
      --config "$TMP/$site.conf" >>"$TMP/strait-$site.log" 2>&1 &
    PID[$site]=$!
    lab_wait_state "b-$site-$$" "${PID[$site]}" ||
      fail "strait ($site) exited at start-up or wrote no state: $TMP/strait-$site.log"
  done
  lab_ping "$PS" paris tokyo 30 || fail "strait: no ping reply paris -> tokyo"
  lab_ping "$PS" tokyo paris 10 || fail "strait: no ping reply tokyo -> paris"
}

strait_down() {
  local site
  for site in paris tokyo; do lab_stop_site $site TERM || fail "strait ($site) did not stop cleanly"; done
}

# plain: the gateway namespaces as routers, the WAN routes the site nets.
lab_two_sites_up "$PK" && host_routes "$PK" || fail "cannot build the plain lab"
for site in paris tokyo; do
  net=$(lab_site_net $site) wan=$(lab_site_wan $site) gw=$PK-gw-$site
  ip -n "$gw" addr add "$net.1/24" dev priv0 &&
    ip -n "$gw" addr add "$wan.10/24" dev pub0 &&
    ip -n "$gw" route add default via "$wan.1" &&
    ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1 &&
    ip -n "$PK-wan" route add "$net.0/24" via "$wan.10" || fail "cannot route the plain lab"
done
lab_ping "$PK" paris tokyo 10 || fail "plain routing: no ping reply paris -> tokyo"

# wireguard-go: a tunnel between the gateway namespaces; the WAN does not
# route the site nets, so only the tunnel carries them.
lab_two_sites_up "$PW" && host_routes "$PW" || fail "cannot build the wireguard-go lab"
for site in paris tokyo; do
  net=$(lab_site_net $site) wan=$(lab_site_wan $site) gw=$PW-gw-$site wg_if=WG_$site cpu=CPU_GW_$site
  ip -n "$gw" addr add "$net.1/24" dev priv0 &&
    ip -n "$gw" addr add "$wan.10/24" dev pub0 &&
    ip -n "$gw" route add default via "$wan.1" &&
    ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1 || fail "cannot address the wireguard-go lab"
  (umask 077 && wg genkey >"$TMP/$site.key")
  wg pubkey <"$TMP/$site.key" >"$TMP/$site.pub"
  # taskset: Go sizes GOMAXPROCS from the affinity mask, one CPU here.
  ip netns exec "$gw" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
    taskset -c "${!cpu}" wireguard-go -f "${!wg_if}" >"$TMP/wireguard-$site.log" 2>&1 &
  WGPID[$site]=$!
done
for site in paris tokyo; do
  wg_if=WG_$site
  for ((i = 0; i < 50; i++)); do
    ip -n "$PW-gw-$site" link show "${!wg_if}" >/dev/null 2>&1 &&
      [ -S "/var/run/wireguard/${!wg_if}.sock" ] && break
    kill -0 "${WGPID[$site]}" 2>/dev/null || fail "wireguard-go ($site) exited at start-up"
    sleep 0.1
  done
done
for site in paris tokyo; do
  other=$(lab_other_site $site) gw=$PW-gw-$site wg_if=WG_$site
  ip netns exec "$gw" wg set "${!wg_if}" listen-port 51820 private-key "$TMP/$site.key" \
    peer "$(cat "$TMP/$other.pub")" allowed-ips "$(lab_site_net "$other").0/24" \
    endpoint "$(lab_site_wan "$other").10:51820" || fail "wg set ($site) failed"
  ip -n "$gw" link set "${!wg_if}" mtu $INNER_MTU up &&
    ip -n "$gw" route add "$(lab_site_net "$other").0/24" dev "${!wg_if}" ||
    fail "cannot route the wireguard-go tunnel ($site)"
done
lab_ping "$PW" paris tokyo 10 || fail "wireguard-go: no ping reply paris -> tokyo"

# snapshot FILE PID...: the CPU counters a run's figures come from: the
# clock tick, /proc/stat's cpu lines, and /proc/PID/stat of each PID.
snapshot() {
  local file=$1 pid
  shift
  {
    echo "clk_tck $(getconf CLK_TCK)"
    echo "uptime $(cut -d" " -f1 /proc/uptime)"
    grep '^cpu' /proc/stat
    for pid in "$@"; do echo "pid $pid $(cat "/proc/$pid/stat" 2>/dev/null)"; done
  } >"$file"
}

# measure PREFIX RUN GATEWAY-PIDS: iperf3 TCP paris -> tokyo for $T s with
# both ends pinned; OUT/runs/RUN.json is iperf3's JSON, RUN.before and
# RUN.after the CPU snapshots around it.
measure() {
  local p=$1 run=$2 gw_pids=$3 i server status
  ip netns exec "$p-host-tokyo" taskset -c "$CPU_SERVER" iperf3 -s -1 -B 10.2.0.2 \
    >"$TMP/iperf-server.log" 2>&1 &
  server=$!
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$p-host-tokyo" ss -Hltn 'sport = :5201' | grep -q . && break
    sleep 0.1
  done
  # shellcheck disable=SC2086  # lists of pids
  snapshot "$OUT/runs/$run.before" $gw_pids $KSOFTIRQD
  ip netns exec "$p-host-paris" timeout $((T + 20)) taskset -c "$CPU_CLIENT" \
    iperf3 -c 10.2.0.2 -t "$T" -J >"$OUT/runs/$run.json" 2>"$TMP/iperf-client.log"
  status=$?
  # shellcheck disable=SC2086
  snapshot "$OUT/runs/$run.after" $gw_pids $KSOFTIRQD
  for ((i = 0; i < 50; i++)); do
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  [ $status = 0 ] || { cat "$OUT/runs/$run.json" >>"$TMP/iperf-client.log"; fail "$run: iperf3 failed"; }
}

echo "bench-e2e: $RUNS rounds of ${CONTENDERS[*]}; $T s each; strait: $BACKEND, $MODE${STRAIT_ARGS:+, $STRAIT_ARGS}"
for c in "${CONTENDERS[@]:3}"; do echo "bench-e2e: $c: ${VARIANT_ARGS[$c]}"; done
echo "bench-e2e: CPUs: gateways paris $CPU_GW_paris, tokyo $CPU_GW_tokyo; iperf3 client $CPU_CLIENT, server $CPU_SERVER (of $ncpu)"
: >"$OUT/runs/index.tsv"
for ((r = 1; r <= RUNS; r++)); do
  for ((k = 0; k < ${#CONTENDERS[@]}; k++)); do
    c=${CONTENDERS[$(((r - 1 + k) % ${#CONTENDERS[@]}))]}
    run=$(printf 'r%02d-%s' "$r" "$c")
    case $c in
      strait*)
        strait_up "$c"
        measure "$PS" "$run" "${PID[paris]} ${PID[tokyo]}"
        strait_down
        ;;
      wireguard-go) measure "$PW" "$run" "${WGPID[paris]} ${WGPID[tokyo]}" ;;
      plain) measure "$PK" "$run" "" ;;
    esac
    printf '%s\t%d\t%d\t%s\n' "$c" "$r" "$k" "$run" >>"$OUT/runs/index.tsv"
    "$PYTHON" "$HERE/bench-e2e/report.py" --line "$OUT" "$run" || fail "$run: no figures"
  done
done

if [ "$PERF" != 0 ]; then
  echo "bench-e2e: perf: one more strait run (not counted), ${PERF_SECONDS} s recorded"
  strait_up strait
  ip netns exec "$PS-host-tokyo" taskset -c "$CPU_SERVER" iperf3 -s -1 -B 10.2.0.2 \
    >"$TMP/iperf-server.log" 2>&1 &
  server=$!
  sleep 0.5
  ip netns exec "$PS-host-paris" timeout $((PERF_SECONDS + 25)) taskset -c "$CPU_CLIENT" \
    iperf3 -c 10.2.0.2 -t $((PERF_SECONDS + 2)) >"$TMP/iperf-perf.log" 2>&1 &
  client=$!
  sleep 1
  timeout $((PERF_SECONDS + 20)) perf record -q -g -o "$OUT/perf-strait.data" \
    -p "${PID[paris]},${PID[tokyo]}" -- sleep "$PERF_SECONDS" >"$TMP/perf-record.log" 2>&1 &
  PERF_PID=$!
  wait "$PERF_PID" || fail "perf record failed: $TMP/perf-record.log"
  PERF_PID=
  wait "$client"
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  strait_down
  # perf's own comment lines (#) are dropped.
  report() { timeout 120 perf report -i "$OUT/perf-strait.data" --stdio --no-children "$@" 2>/dev/null | grep -v '^#' | grep -v '^$'; }
  {
    echo "== perf record -g -p <both strait gateways>, ${PERF_SECONDS} s of iperf3 TCP through them"
    echo "== ($BACKEND, $MODE${STRAIT_ARGS:+, $STRAIT_ARGS}; gateways on CPU $CPU_GW_paris,$CPU_GW_tokyo)"
    echo "== samples by thread and object"
    report --sort comm,dso --percent-limit 0.5 -g none
    echo "== self time by symbol (kernel work in the gateways' context included)"
    report --sort dso,sym --percent-limit 0.5 -g none
    echo "== the five top symbols' callers (caller chains of at least 2 % of the samples)"
    report --sort sym --percent-limit 2 -g caller,2,callee,function,percent --max-stack 12 |
      awk '/^ +[0-9.]+%/ { n++ } n <= 5'
  } >"$OUT/perf-strait.txt"
  echo "bench-e2e: perf report: $OUT/perf-strait.txt"
  sed -n '/^== self time/,/^==/p' "$OUT/perf-strait.txt" | sed -n '2,13s/^/  /p'
fi

status=0
"$PYTHON" "$HERE/bench-e2e/report.py" --final "$OUT" \
  --backend "$BACKEND" --mode "$MODE" --strait-args "$STRAIT_ARGS" --seconds "$T" \
  --inner-mtu "$INNER_MTU" --variants "$STRAIT_VARIANTS" --cpu-gateways "$CPU_GW_paris,$CPU_GW_tokyo" \
  --cpu-hosts "$CPU_CLIENT,$CPU_SERVER" --require-ratio "$REQUIRE_RATIO" || status=$?
exit $status
