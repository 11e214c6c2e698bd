#!/bin/bash
# strait@.service's sandbox is enough for the gateway: the paris gateway of
# the netns lab (lib/topology.sh, static SAs, AF_XDP) runs with what the
# unit grants and no more, and carries ping both ways with tokyo, starts
# again after a SIGKILL (the XDP program of the killed instance is still
# attached then: removing it is why CAP_SYS_ADMIN is in the set), and
# stops with status 0 on SIGTERM. Once without a BPF filesystem, once with
# one mounted (as strait-interfaces@ mounts it; libxdp then tries its
# dispatcher). And strait-interfaces@.service's capabilities are enough
# for `strait check-host --apply`: it says and does the same with them as
# with all of root's. What the unit grants, as read from dist/systemd/strait@.service:
#   CapabilityBoundingSet   setpriv --bounding-set (root keeps only these)
#   NoNewPrivileges         setpriv --no-new-privs
#   MemoryDenyWriteExecute  prctl(PR_SET_MDWE) (kernel >= 6.3; else skipped)
#   LimitMEMLOCK=infinity   ulimit -l unlimited (where this shell may raise it)
#   ProtectSystem=strict, ProtectKernelTunables, RuntimeDirectory,
#   StateDirectory, ReadWritePaths
#                           a mount namespace with every file system
#                           read-only but the run and state directories
#                           ($STRAIT_RUN_DIR, $STRAIT_STATE_DIR) and the BPF
#                           filesystem when mounted
# systemd itself cannot run here (not PID 1): units_test checks the unit's
# syntax; this checks that its privileges suffice.
#   unit_sandbox_test.sh STRAIT SOURCE_DIR
# Root only; namespaces named after this shell's pid, removed on exit.
set -u
REAL_STRAIT=$1 SOURCE_DIR=$2
HERE=$(cd "$(dirname "$0")" && pwd)
P="us$$"
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 77; }
for tool in setpriv unshare findmnt ethtool; do
  command -v $tool >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done
. "$SOURCE_DIR/netns-lab/lib/two_site_test.sh"
NAME_paris="u-paris-$$" NAME_tokyo="u-tokyo-$$"
unit=$SOURCE_DIR/dist/systemd/strait@.service

caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
[ -n "$caps" ] || fail "no CapabilityBoundingSet in $unit"
setpriv_caps=-all
for cap in $caps; do
  cap=${cap#CAP_}
  setpriv_caps+=",+${cap,,}"
done
grep -qx 'NoNewPrivileges=yes' "$unit" || fail "the unit no longer sets NoNewPrivileges: update this test"
grep -qx 'MemoryDenyWriteExecute=yes' "$unit" || fail "the unit no longer sets MemoryDenyWriteExecute: update this test"
grep -qx 'LimitMEMLOCK=infinity' "$unit" || fail "the unit no longer sets LimitMEMLOCK=infinity: update this test"
mdwe=1
/usr/bin/python3 -c 'import ctypes,sys; sys.exit(ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0)' ||
  { mdwe=0; echo "note: this kernel has no PR_SET_MDWE: MemoryDenyWriteExecute not reproduced"; }

# The capability mask of the unit's set, from the kernel's header.
expected_mask=0
for cap in $caps; do
  bit=$(awk -v c="$cap" '$1 == "#define" && $2 == c { print $3 }' /usr/include/linux/capability.h)
  [ -n "$bit" ] || fail "$cap is not in /usr/include/linux/capability.h"
  expected_mask=$((expected_mask | (1 << bit)))
done
expected_mask=$(printf '%016x' "$expected_mask")

# check_sandbox WHAT: the running paris gateway (PID[paris], the process
# the wrapper below ends in) has exactly the unit's bounding set, as its
# effective set too, and no_new_privs.
check_sandbox() {
  local status=/proc/${PID[paris]}/status i
  # Running: the wrapper ends in strait under the same pid, which logs it
  # (the gateway-state of a killed instance is still there: not a sign).
  for ((i = 0; i < 100; i++)); do
    grep -q "running (pid ${PID[paris]})" "$TMP/paris.log" && break
    kill -0 "${PID[paris]}" 2>/dev/null || fail "$1: the sandboxed gateway exited"
    sleep 0.1
  done
  grep -q "running (pid ${PID[paris]})" "$TMP/paris.log" || fail "$1: not running after 10 s"
  grep -q "^Name:\sstrait" "$status" || fail "$1: PID ${PID[paris]} is not strait: $(head -1 "$status")"
  [ "$(awk '/^CapBnd:/ { print $2 }' "$status")" = "$expected_mask" ] ||
    fail "$1: bounding set $(awk '/^CapBnd:/ { print $2 }' "$status"), expected $expected_mask"
  [ "$(awk '/^CapEff:/ { print $2 }' "$status")" = "$expected_mask" ] ||
    fail "$1: effective set $(awk '/^CapEff:/ { print $2 }' "$status"), expected $expected_mask"
  grep -q "^NoNewPrivs:\s1" "$status" || fail "$1: no_new_privs is not set"
}

# The sandboxed strait: lab_start_gateway runs $STRAIT in the gateway's
# namespace. BPFFS=1 mounts a BPF filesystem in the sandbox.
export STRAIT_STATE_DIR=$TMP/state
mkdir -p "$STRAIT_RUN_DIR" "$STRAIT_STATE_DIR"
cat >"$TMP/sandboxed-strait" <<SCRIPT
#!/bin/bash
exec unshare --mount --propagation private bash -c '
  set -e
  mount --bind "$STRAIT_RUN_DIR" "$STRAIT_RUN_DIR"
  mount --bind "$STRAIT_STATE_DIR" "$STRAIT_STATE_DIR"
  findmnt -rn -o TARGET | while read -r target; do
    case "\$target" in /proc*|/dev*|"$STRAIT_RUN_DIR"|"$STRAIT_STATE_DIR") continue ;; esac
    mount -o remount,bind,ro "\$target" 2>/dev/null || true
  done
  mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys
  if touch /var/tmp/.strait-sandbox-probe 2>/dev/null; then echo "sandbox: / is writable" >&2; exit 99; fi
  [ "\${BPFFS:-0}" = 1 ] && mount -t bpf bpf /sys/fs/bpf
  ulimit -l unlimited 2>/dev/null || true  # stricter if not allowed (no CAP_SYS_RESOURCE)
  exec /usr/bin/python3 -c "
import ctypes, os, sys
if $mdwe and ctypes.CDLL(None, use_errno=True).prctl(65, 1, 0, 0, 0) != 0:
    sys.exit(\"PR_SET_MDWE: \" + os.strerror(ctypes.get_errno()))
os.execvp(sys.argv[1], sys.argv[1:])
" setpriv --no-new-privs --bounding-set=$setpriv_caps --inh-caps=-all "$REAL_STRAIT" "\$@"
' sandboxed-strait "\$@"
SCRIPT
chmod +x "$TMP/sandboxed-strait"

lab_two_sites_up "$P" || fail "cannot build the lab topology"
for site in paris tokyo; do lab_gateway_config $site data-plane >"$TMP/$site.conf"; done
chmod 600 "$TMP"/*.conf

# check-host as strait-interfaces@ runs it, and with every capability:
# the same lines, the same status (each in a mount namespace of its own,
# from `ip netns exec`: the bpffs --apply mounts goes with it).
interfaces_unit=$SOURCE_DIR/dist/systemd/strait-interfaces@.service
interfaces_caps=-all
for cap in $(sed -n 's/^CapabilityBoundingSet=//p' "$interfaces_unit"); do
  cap=${cap#CAP_}
  interfaces_caps+=",+${cap,,}"
done
[ "$interfaces_caps" != -all ] || fail "no CapabilityBoundingSet in $interfaces_unit"
for apply in "" --apply; do
  ip netns exec "$P-gw-paris" "$REAL_STRAIT" check-host --config "$TMP/paris.conf" $apply \
    >"$TMP/check-host-root.txt" 2>&1
  root_status=$?
  ip netns exec "$P-gw-paris" setpriv --no-new-privs --bounding-set="$interfaces_caps" \
    --inh-caps=-all "$REAL_STRAIT" check-host --config "$TMP/paris.conf" $apply \
    >"$TMP/check-host-unit.txt" 2>&1
  unit_status=$?
  if [ "$root_status" != "$unit_status" ] || ! cmp -s "$TMP/check-host-root.txt" "$TMP/check-host-unit.txt"; then
    diff "$TMP/check-host-root.txt" "$TMP/check-host-unit.txt" >&2
    fail "check-host $apply: status $unit_status with strait-interfaces@'s capabilities ($interfaces_caps), $root_status with root's"
  fi
  [ -n "$apply" ] && { grep -q "^applied" "$TMP/check-host-unit.txt" ||
    fail "check-host --apply applied nothing (the bpffs mount at least was expected)"; }
done
echo "ok: check-host (and --apply) with strait-interfaces@'s capabilities ($interfaces_caps) as with root's"

for bpffs in 0 1; do
  what="bpffs=$bpffs"
  STRAIT=$TMP/sandboxed-strait
  export BPFFS=$bpffs
  lab_start_gateway "$P" paris "$NAME_paris" xdp "$TMP/paris.conf" "$TMP/paris.log" ||
    fail "$what: the sandboxed paris gateway did not start"
  check_sandbox "$what"
  if [ "$bpffs" = 0 ]; then
    STRAIT=$REAL_STRAIT
    lab_start_gateway "$P" tokyo "$NAME_tokyo" xdp "$TMP/tokyo.conf" "$TMP/tokyo.log" ||
      fail "the tokyo gateway did not start"
  fi
  lab_ping "$P" paris tokyo 20 || fail "$what: paris -> tokyo: no ping reply"
  [ -s "$STRAIT_STATE_DIR/$NAME_paris/static-sa-sequences" ] ||
    fail "$what: no static-sa-sequences in the state directory $STRAIT_STATE_DIR/$NAME_paris"
  lab_ping "$P" tokyo paris 10 || fail "$what: tokyo -> paris: no ping reply"

  # SIGKILL: the XDP program stays attached to priv0 and pub0; the next
  # instance removes it (libxdp reads it by id: CAP_SYS_ADMIN).
  lab_stop_site paris KILL
  ip -n "$P-gw-paris" link show pub0 | grep -q xdp || echo "note: no XDP program left on pub0 after SIGKILL"
  STRAIT=$TMP/sandboxed-strait
  lab_start_gateway "$P" paris "$NAME_paris" xdp "$TMP/paris.conf" "$TMP/paris.log" ||
    fail "$what: the sandboxed paris gateway did not start again after a SIGKILL"
  check_sandbox "$what, after a SIGKILL"
  lab_ping "$P" paris tokyo 20 || fail "$what: paris -> tokyo: no ping reply after the restart"
  lab_stop_site paris TERM || fail "$what: the sandboxed gateway exited with status $? on SIGTERM"
  ip -n "$P-gw-paris" link show pub0 | grep -q xdp && fail "$what: XDP program left on pub0 after SIGTERM"
  echo "ok: $what: sandboxed gateway ran, restarted after SIGKILL, stopped cleanly (bounding set $setpriv_caps)"
done
lab_stop_site tokyo TERM || fail "the tokyo gateway exited with status $? on SIGTERM"
echo "PASS: the gateway runs within strait@.service's capabilities and sandbox"
