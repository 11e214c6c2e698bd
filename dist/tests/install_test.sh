#!/usr/bin/env bash
# `make install DESTDIR=... PREFIX=...` installs exactly the expected files
# (README, "Install"), each with its mode, the binary that runs, the units
# naming the installed binary. Nothing goes outside DESTDIR.
#   install_test.sh SOURCE_DIR BUILD_DIR MAN_PAGE(1|0)
set -euo pipefail
source_dir=$1
build_dir=$2
man_page=$3

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v make >/dev/null || { echo "SKIP: make is not installed"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# install PREFIX DESTDIR: make install, quietly unless it fails.
install_into() {
  if ! make -s -C "$source_dir" install BUILD="$build_dir" JOBS=2 PREFIX="$1" DESTDIR="$2" \
      >"$work/install.log" 2>&1; then
    cat "$work/install.log" >&2
    fail "make install PREFIX=$1 DESTDIR=$2 failed"
  fi
}

# check_tree ROOT PREFIX (PREFIX without its leading /)
check_tree() {
  local root=$1 prefix=$2
  local expected=(
    "$prefix/bin/strait 755"
    "$prefix/lib/systemd/system/strait-interfaces@.service 644"
    "$prefix/lib/systemd/system/strait@.service 644"
    "$prefix/share/doc/strait/example.conf 644"
  )
  [ "$man_page" = 1 ] && expected+=("$prefix/share/man/man8/strait.8 644")
  local want got
  want=$(printf '%s\n' "${expected[@]}" | sort)
  got=$(cd "$root" && find . \( -type f -o -type l \) -printf '%P %m\n' | sort)
  if [ "$want" != "$got" ]; then
    diff <(echo "$want") <(echo "$got") >&2 || true
    fail "installed files under $root differ from the expected ones (- expected, + installed)"
  fi
  cmp -s "$root/$prefix/bin/strait" "$build_dir/strait" || fail "$prefix/bin/strait is not build/strait"
  "$root/$prefix/bin/strait" --help 2>&1 | grep -q '^usage: strait' || fail "the installed strait --help does not print its usage"
  cmp -s "$root/$prefix/share/doc/strait/example.conf" "$source_dir/dist/example.conf" ||
    fail "example.conf differs from dist/example.conf"
  if [ "$man_page" = 1 ]; then
    grep -q '^\.TH' "$root/$prefix/share/man/man8/strait.8" || fail "strait.8 is not a man page"
  fi
}

# The package's layout: the units as they are in dist/systemd/.
install_into /usr "$work/usr-root"
check_tree "$work/usr-root" usr
for unit in strait@.service strait-interfaces@.service; do
  cmp -s "$work/usr-root/usr/lib/systemd/system/$unit" "$source_dir/dist/systemd/$unit" ||
    fail "the installed $unit (PREFIX=/usr) differs from dist/systemd/$unit"
done
grep -qx 'ExecStart=/usr/bin/strait run --name %i $STRAIT_OPTIONS $STRAIT_RUN_OPTIONS' \
  "$work/usr-root/usr/lib/systemd/system/strait@.service" || fail "strait@.service: ExecStart"
grep -qx 'ExecStart=/usr/bin/strait check-host --name %i --apply $STRAIT_OPTIONS' \
  "$work/usr-root/usr/lib/systemd/system/strait-interfaces@.service" ||
  fail "strait-interfaces@.service: ExecStart"

# Another prefix: the units name the binary where it went.
install_into /opt/strait "$work/opt-root"
check_tree "$work/opt-root" opt/strait
for unit in strait@.service strait-interfaces@.service; do
  installed="$work/opt-root/opt/strait/lib/systemd/system/$unit"
  grep -q '/opt/strait/bin/strait ' "$installed" || fail "$unit (PREFIX=/opt/strait) does not run /opt/strait/bin/strait"
  ! grep -q '/usr/bin/strait' "$installed" || fail "$unit (PREFIX=/opt/strait) still names /usr/bin/strait"
done
echo "PASS: make install (PREFIX=/usr and /opt/strait, DESTDIR) installs exactly the expected files"
