#!/usr/bin/env bash
# The Debian package (make deb): it builds with dpkg-buildpackage, lintian
# reports no error (warnings are printed), it holds exactly the expected
# files, every dependency it declares is satisfied on this host, and it
# installs with dpkg -i into an empty dpkg root (and is removed and purged
# again) without touching the host: dpkg runs in a mount namespace of its
# own where every file system but the scratch directory is read-only. The
# installed strait --help runs.
#   deb_test.sh SOURCE_DIR OUT_DIR MAN_PAGE(1|0)
set -euo pipefail
source_dir=$1
out_dir=$2
man_page=$3

fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in dpkg-buildpackage dh lintian dpkg unshare; do
  command -v "$tool" >/dev/null || { echo "SKIP: $tool is not installed (ci/install-deps)"; exit 77; }
done
[ "$(id -u)" -eq 0 ] || { echo "SKIP: dpkg --root in a mount namespace needs root"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The package builds.
start=$(date +%s)
"$source_dir/dist/build-deb.sh" "$out_dir" || fail "make deb"
echo "make deb: $(($(date +%s) - start)) s"
deb=$(ls "$out_dir"/strait_*.deb)

# 2. lintian: no error.
lintian --fail-on error --display-level '>=info' "$deb" >"$work/lintian.txt" 2>&1 && lintian_ok=1 || lintian_ok=0
sed 's/^/lintian: /' "$work/lintian.txt"
[ "$lintian_ok" = 1 ] || fail "lintian reports errors"
! grep -q '^E: ' "$work/lintian.txt" || fail "lintian reports errors"

# 3. The files, exactly (directories aside).
expected=(
  ./lib/systemd/system/strait-interfaces@.service
  ./lib/systemd/system/strait@.service
  ./usr/bin/strait
  ./usr/share/doc/strait/changelog.gz
  ./usr/share/doc/strait/copyright
  ./usr/share/doc/strait/example.conf
)
[ "$man_page" = 1 ] && expected+=(./usr/share/man/man8/strait.8.gz)
want=$(printf '%s\n' "${expected[@]}" | sort)
got=$(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sort)
if [ "$want" != "$got" ]; then
  diff <(echo "$want") <(echo "$got") >&2 || true
  fail "the package's files differ from the expected ones (- expected, + in the package)"
fi

# 4. Every declared dependency is satisfied on this host (the scratch root
# below has none of them, hence --force-depends there).
depends=$(dpkg-deb --field "$deb" Depends)
echo "Depends: $depends"
[ -n "$depends" ] || fail "the package declares no dependency"
satisfied() {  # one alternative: "name (op version)" or "name"
  local name op version installed
  read -r name op version <<<"$(echo "$1" | tr -d '()')"
  name=${name%%:*}
  installed=$(dpkg-query -W -f='${db:Status-Status} ${Version}' "$name" 2>/dev/null) || return 1
  [ "${installed%% *}" = installed ] || return 1
  [ -z "$op" ] || dpkg --compare-versions "${installed#* }" "$op" "$version"
}
IFS=',' read -ra clauses <<<"$depends"
for clause in "${clauses[@]}"; do
  ok=0
  IFS='|' read -ra alternatives <<<"$clause"
  for alternative in "${alternatives[@]}"; do
    if satisfied "$(echo "$alternative" | xargs)"; then ok=1; break; fi
  done
  [ "$ok" = 1 ] || fail "dependency not satisfied on this host: $(echo "$clause" | xargs)"
done

# 5. dpkg -i into an empty dpkg root, host file systems read-only.
root="$work/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
cp "$deb" "$work/"
cat >"$work/install.sh" <<'SCRIPT'
set -euo pipefail
work=$1
mount --bind "$work" "$work"
findmnt -rn -o TARGET | while read -r target; do
  case "$target" in /proc*|/sys*|/dev*|"$work") continue ;; esac
  mount -o remount,bind,ro "$target" 2>/dev/null || true
done
if touch /var/lib/dpkg/.strait-deb-test-probe 2>/dev/null; then
  rm -f /var/lib/dpkg/.strait-deb-test-probe
  echo "the host's file systems are still writable: not installing" >&2
  exit 3
fi
dpkg=(dpkg --root="$work/root" --log="$work/dpkg.log" --force-depends --force-script-chrootless)
"${dpkg[@]}" -i "$work"/strait_*.deb
"${dpkg[@]}" -s strait | grep -qx 'Status: install ok installed'
"$work/root/usr/bin/strait" --help >"$work/help.txt"
"${dpkg[@]}" --purge strait
SCRIPT
if ! unshare --mount --propagation private bash "$work/install.sh" "$work" >"$work/install.log" 2>&1; then
  cat "$work/install.log" >&2
  fail "dpkg -i / --purge in the scratch root"
fi
grep -Ev 'depends on|is not installed|dependency problems|^ *$' "$work/install.log" | sed 's/^/dpkg: /'
grep -q '^usage: strait' "$work/help.txt" || fail "the installed strait --help does not print its usage"
[ ! -e "$root/usr/bin/strait" ] || fail "dpkg --purge left /usr/bin/strait"
echo "PASS: the package builds, lintian has no error, it installs, runs --help and purges in a scratch root"
