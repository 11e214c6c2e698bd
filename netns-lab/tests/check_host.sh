#!/bin/bash
# strait check-host on real interfaces, in a network namespace of its own:
#   check_host.sh STRAIT [HAVE_AF_PACKET]
# The namespace holds the interfaces of the lab's vita-paris
# (netns-lab/vita-paris.conf, mode 600): eth1 private with 2 receive queues
# (its 2 work queues), eth2 and eth3 public with one each; veth pairs whose
# other ends stay in the namespace. check-host must report
#   - the good setup: exit 0, no FAIL (bpffs mounted in the command's own
#     mount namespace: `ip netns exec` gives a fresh /sys without it);
#   - bpffs not mounted: a warning with the mount command, exit 0;
#   - too few receive queues (ethtool -L eth1 rx 1) and too many (rx 4):
#     FAIL with `ethtool -L eth1 rx 2`; --apply sets 2 and passes;
#   - a link down: FAIL; --apply sets it up;
#   - a missing interface (eth3 deleted): FAIL, exit 1 even with --apply;
#   - a CPU not present (--cpu 0,4095): FAIL;
#   - the private MTU below mtu: FAIL;
#   - AF_PACKET with GRO on: FAIL; --apply turns it off;
#   - the configuration readable by others: FAIL with chmod 600;
#   - (HAVE_AF_PACKET 1) the name taken by a running `strait run`: FAIL; and
#     that gateway refuses a SIGHUP reload of its file made readable by
#     others, and runs on.
# Root only; the namespace is named after this shell's pid and removed on
# exit; every command and wait is bounded.
set -u
STRAIT=$1 HAVE_AF_PACKET=${2:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../lib/skip.sh"
lab_skip_unless_lab ip ethtool mount timeout
NS="chk-$$"
NAME="chk-$$"
umask 077
TMP=$(mktemp -d /tmp/strait-check-host.XXXXXX)
export STRAIT_RUN_DIR=$TMP/run
GATEWAY=""

cleanup() {
  if [ -n "$GATEWAY" ] && kill -0 "$GATEWAY" 2>/dev/null; then
    kill -TERM "$GATEWAY" 2>/dev/null
    for ((i = 0; i < 50; i++)); do kill -0 "$GATEWAY" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$GATEWAY" 2>/dev/null
  fi
  ip netns del "$NS" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT

OUT=""
fail() {
  echo "FAIL: $*" >&2
  [ -n "$OUT" ] && printf 'check-host said:\n%s\n' "$OUT" >&2
  exit 1
}

in_ns() { ip netns exec "$NS" "$@"; }

# check EXPECTED-STATUS [OPTION...]: strait check-host in the namespace;
# its output in OUT.
check() {
  local expected=$1 status
  shift
  OUT=$(in_ns timeout 20 "$STRAIT" check-host --config "$CONF" --name "$NAME" "$@" 2>&1)
  status=$?
  [ "$status" = "$expected" ] || fail "check-host $*: exit status $status, expected $expected"
}
# The same with bpffs mounted on /sys/fs/bpf in the command's own mount
# namespace (it goes when the command exits).
check_with_bpffs() {
  local expected=$1 status
  shift
  OUT=$(in_ns sh -c 'mount -t bpf bpf /sys/fs/bpf || exit 99
    exec timeout 20 "$0" check-host "$@"' "$STRAIT" --config "$CONF" --name "$NAME" "$@" 2>&1)
  status=$?
  [ "$status" = "$expected" ] || fail "check-host $* (bpffs): exit status $status, expected $expected"
}
says() { grep -qE -- "$1" <<<"$OUT" || fail "check-host did not say: $1"; }
says_not() { grep -qE -- "$1" <<<"$OUT" && fail "check-host said: $1"; }

veth() {  # veth NAME QUEUES: NAME and its peer peer-NAME, up, in the namespace
  ip -n "$NS" link add name "$1" numrxqueues "$2" numtxqueues "$2" type veth \
    peer name "peer-$1" numrxqueues "$2" numtxqueues "$2" || fail "cannot add $1"
  ip -n "$NS" link set "peer-$1" up
  ip -n "$NS" link set "$1" up
}

ip netns add "$NS" || fail "cannot add namespace $NS"
ip -n "$NS" link set lo up
veth eth1 4
in_ns ethtool -L eth1 rx 2 tx 2 || fail "ethtool -L eth1 rx 2 tx 2"
veth eth2 1
veth eth3 1
CONF=$TMP/paris.conf
cp "$HERE/../vita-paris.conf" "$CONF"
chmod 600 "$CONF"
# Two online CPUs for the two queues, when the machine has them.
CPUS=$(/usr/bin/python3 -c '
import sys
cpus = []
for item in open("/sys/devices/system/cpu/online").read().strip().split(","):
    a, _, b = item.partition("-")
    cpus += range(int(a), int(b or a) + 1)
print(",".join(map(str, cpus[:2])) if len(cpus) >= 2 else "")')
CPU_OPTION=()
[ -n "$CPUS" ] && CPU_OPTION=(--cpu "$CPUS")

# The good setup.
check_with_bpffs 0 "${CPU_OPTION[@]}"
says_not "^FAIL"
says "^ok    config: $CONF: 2 queues, eth1 private, eth2 public \(queue 1\), eth3 public \(queue 2\), mtu 1440, AF_XDP$"
says "^ok    kernel: AF_XDP sockets$"
says "^ok    kernel: bpf\(\) system call$"
says "^ok    bpffs: mounted on /sys/fs/bpf$"
says "^ok    eth1: up$"
says "^ok    eth1: MTU 1500 \(needs 1440: mtu 1440\)$"
says "^ok    eth1: 2 receive queues, as AF_XDP needs \(the gateway binds receive queues 0-1\)$"
says "^ok    eth2: 1 receive queue, as AF_XDP needs"
says "^ok    eth3: MTU 1500 \(needs 1497: mtu 1440 \+ 57 bytes of ESP\)$"
says "^ok    eth3: LRO off$"
[ -n "$CPUS" ] && says "^(ok    cpus: $CPUS online and isolated|warn  cpus: $CPUS online, but)"
says "^ok    locked memory: CAP_IPC_LOCK"
says "^ok    instance $NAME: free"
says "^check-host: ready"
echo "ok: the good setup passes"

# bpffs not mounted: a warning, still ready.
check 0
says "^warn  bpffs: not mounted on /sys/fs/bpf .*; fix: mount -t bpf bpf /sys/fs/bpf$"
echo "ok: bpffs not mounted warns"

# Too few receive queues; --apply sets them (and mounts bpffs, in its own
# mount namespace).
in_ns ethtool -L eth1 rx 1 || fail "ethtool -L eth1 rx 1"
check 1
says "^FAIL  eth1: 1 receive queue, AF_XDP needs exactly 2 .*; fix: ethtool -L eth1 rx 2$"
check 0 --apply
says "^applied  ethtool -L eth1 rx 2$"
says "^applied  mount -t bpf bpf /sys/fs/bpf$"
grep -A100 "^check-host: checking again" <<<"$OUT" | grep -q "^ok    eth1: 2 receive queues" ||
  fail "after --apply, eth1 does not have its 2 receive queues"
grep -A100 "^check-host: checking again" <<<"$OUT" | grep -q "^ok    bpffs: mounted" ||
  fail "after --apply, bpffs is not mounted"
[ "$(in_ns ethtool -l eth1 | awk '/^Current/ { current = 1 } current && /^RX:/ { print $2 }')" = 2 ] ||
  fail "--apply did not leave eth1 with 2 receive queues: $(in_ns ethtool -l eth1)"
echo "ok: too few receive queues fail, --apply sets them"

# Too many.
in_ns ethtool -L eth1 rx 4 || fail "ethtool -L eth1 rx 4"
check 1
says "^FAIL  eth1: 4 receive queues, AF_XDP needs exactly 2 .*would reach the kernel, not the gateway.*; fix: ethtool -L eth1 rx 2$"
check 0 --apply
echo "ok: too many receive queues fail, --apply sets them"

# A link down.
ip -n "$NS" link set eth3 down
check 1
says "^FAIL  eth3: down; fix: ip link set eth3 up$"
check 0 --apply
says "^applied  ip link set eth3 up$"
ip -n "$NS" link show eth3 | grep -q "[<,]UP[,>]" || fail "--apply did not set eth3 up"
echo "ok: a link down fails, --apply sets it up"

# A missing interface.
ip -n "$NS" link del eth3
check 1
says "^FAIL  eth3: no such interface in this network namespace \(the public \(queue 2\) interface of $CONF\); fix: check \`ip link\`"
check 1 --apply
veth eth3 1
echo "ok: a missing interface fails"

# A CPU the machine does not have.
check 1 --cpu 0,4095
says "^FAIL  cpus: CPU 4095 not online here \(online: "
echo "ok: a CPU not present fails"

# The private MTU below the configured mtu.
ip -n "$NS" link set eth1 mtu 1400
check 1
says "^FAIL  eth1: MTU 1400, below the 1440 bytes the private side needs \(mtu 1440\); fix: ip link set eth1 mtu 1440"
ip -n "$NS" link set eth1 mtu 1500
echo "ok: an MTU below mtu fails"

# AF_PACKET and GRO.
in_ns ethtool -K eth2 gro on || fail "ethtool -K eth2 gro on"
check 1 --af-packet
says "^FAIL  eth2: GRO on: .*; fix: ethtool -K eth2 gro off$"
says_not "bpffs"
check 0 --af-packet --apply
says "^applied  ethtool -K eth2 gro off$"
in_ns ethtool -k eth2 | grep -q "^generic-receive-offload: off" || fail "--apply left GRO on"
check 0 --af-packet
echo "ok: GRO on fails with AF_PACKET, --apply turns it off"

# A key file others may read.
chmod 644 "$CONF"
check 1 --af-packet
says "^FAIL  config: $CONF holds keys .*run \`chmod 600 $CONF\`$"
chmod 600 "$CONF"
echo "ok: a key file others may read fails"

if [ "$HAVE_AF_PACKET" = 1 ]; then
  # The name taken by a running gateway; its SIGHUP reload refused while
  # the file is readable by others.
  ip netns exec "$NS" "$STRAIT" run --name "$NAME" --af-packet --config "$CONF" \
    >"$TMP/gateway.log" 2>&1 &
  JOB=$!
  GATEWAY=$JOB
  for ((i = 0; i < 100; i++)); do
    [ -s "$STRAIT_RUN_DIR/$NAME/gateway-state" ] && break
    kill -0 "$GATEWAY" 2>/dev/null || break
    sleep 0.1
  done
  [ -s "$STRAIT_RUN_DIR/$NAME/gateway-state" ] || fail "strait run did not start: $(cat "$TMP/gateway.log")"
  # The gateway's own pid (ip netns exec may stand between).
  GATEWAY=$(cat "$STRAIT_RUN_DIR/$NAME/pid")
  check 1 --af-packet
  says "^FAIL  instance $NAME: already running \(pid $GATEWAY, control socket $STRAIT_RUN_DIR/$NAME.sock\)"
  chmod 644 "$CONF"
  kill -HUP "$GATEWAY"
  for ((i = 0; i < 50; i++)); do
    grep -q "SIGHUP" "$TMP/gateway.log" && break
    sleep 0.1
  done
  grep -q "SIGHUP: $CONF rejected, nothing changed: $CONF holds keys.*chmod 600 $CONF" "$TMP/gateway.log" ||
    fail "the gateway did not refuse a reload of a key file others may read: $(tail -n 5 "$TMP/gateway.log")"
  kill -0 "$GATEWAY" 2>/dev/null || fail "the gateway stopped after a refused reload"
  chmod 600 "$CONF"
  kill -TERM "$GATEWAY"
  wait "$JOB"
  status=$?
  GATEWAY=""
  [ "$status" = 0 ] || fail "strait run exited with $status on SIGTERM"
  check 0 --af-packet
  says "^ok    instance $NAME: free"
  echo "ok: a running instance takes its name; its reload of a key file others may read is refused"
fi
echo "PASS"
