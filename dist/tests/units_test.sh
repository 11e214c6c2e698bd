#!/usr/bin/env bash
# The systemd units as `make install` installs them pass
# `systemd-analyze verify` with nothing to say (it reports unknown keys and
# bad values as warnings, exit status 0: any output fails the test, and a
# deliberately broken copy must draw output, so the check can fail here),
# keep their hardening (`systemd-analyze security` exposure at most
# STRAIT_EXPOSURE_MAX tenths, the capability set of the contract, and the
# directories the gateway writes in).
#   units_test.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
exposure_max=${STRAIT_EXPOSURE_MAX:-50}  # tenths: 50 is 5.0

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in make systemd-analyze; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed"; exit 77; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Installed under a prefix inside $work (no DESTDIR): the units' ExecStart
# names $work/usr/bin/strait, which exists, as verify requires.
if ! make -s -C "$source_dir" install BUILD="$build_dir" JOBS=2 PREFIX="$work/usr" \
    >"$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  fail "make install PREFIX=$work/usr failed"
fi
units="$work/usr/lib/systemd/system"

# verify UNIT...: exit status and output of systemd-analyze verify.
verify() {
  systemd-analyze verify --man=no "$@" 2>&1
}

# The check can fail: a broken copy draws a complaint.
mkdir "$work/broken"
sed 's/^ProtectHome=yes/ProtectHome=maybe/' "$units/strait@.service" >"$work/broken/strait@.service"
cp "$units/strait-interfaces@.service" "$work/broken/"
if out=$(verify "$work/broken/strait@paris.service") && [ -z "$out" ]; then
  fail "systemd-analyze verify says nothing about a broken unit: it cannot check anything here"
fi

for unit in strait@paris.service strait-interfaces@paris.service; do
  if ! out=$(verify "$units/$unit") || [ -n "$out" ]; then
    echo "$out" >&2
    fail "systemd-analyze verify $unit"
  fi
done

# Hardening: the exposure score, and exactly the capabilities the comments
# justify.
if ! out=$(systemd-analyze security --offline=yes --threshold="$exposure_max" "$units/strait@paris.service" 2>&1); then
  echo "$out" | grep -E '✗|Overall' >&2 || echo "$out" >&2
  fail "strait@.service: exposure above $exposure_max"
fi
echo "$out" | grep 'Overall exposure'
grep -qx 'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_RAW CAP_BPF CAP_SYS_ADMIN CAP_IPC_LOCK CAP_SYS_NICE' \
  "$units/strait@.service" || fail "strait@.service: CapabilityBoundingSet is not the documented set"
for key in 'ProtectSystem=strict' 'NoNewPrivileges=yes' 'PrivateTmp=yes' 'ProtectHome=yes' \
    'Restart=on-failure' 'LimitMEMLOCK=infinity' 'StateDirectory=strait' \
    'RuntimeDirectory=strait' 'RuntimeDirectoryPreserve=yes' \
    'Requires=strait-interfaces@%i.service'; do
  grep -qx "$key" "$units/strait@.service" || fail "strait@.service: no $key"
done
for key in 'Type=oneshot' 'RemainAfterExit=yes' 'Before=strait@%i.service'; do
  grep -qx "$key" "$units/strait-interfaces@.service" || fail "strait-interfaces@.service: no $key"
done
echo "PASS: the installed units verify, their exposure is at most $exposure_max"
