#!/usr/bin/env bash
# nix/: every .nix file of the repository parses, and the module, the
# package and the example machines evaluate to what the seed sets up
# (nix/tests/eval.nix, with the stand-ins of stubs.nix: no nixpkgs here);
# the keys script of the module writes the configuration with its key,
# mode 600, and refuses each broken key file; the module's units, rendered
# as NixOS renders them, pass systemd-analyze verify.
#
#   nix/tests/nix_test.sh [SOURCE_DIR [STRAIT]]
#
# With STRAIT (the strait binary), the gateways' configurations of the
# examples are loaded by `strait replay` too.
#
# Exit 77 (CTest: Skipped) when nix-instantiate is not installed (Debian:
# nix-bin, in ci/install-deps). Nix runs on a store and state directory of
# its own under a temporary directory: nothing is written to /nix.
set -uo pipefail

if ! command -v nix-instantiate >/dev/null 2>&1; then
  echo "SKIP: nix-instantiate not found (Debian package nix-bin: ci/install-deps)"
  exit 77
fi
root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
python=/usr/bin/python3
[ -x "$python" ] || { echo "SKIP: $python not found"; exit 77; }

tmp=$(mktemp -d /tmp/strait-nix-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export NIX_STORE_DIR=$tmp/nix/store NIX_STATE_DIR=$tmp/nix/var NIX_LOG_DIR=$tmp/nix/log \
  NIX_CONF_DIR=$tmp/nix/etc HOME=$tmp/home XDG_CACHE_HOME=$tmp/cache NIX_PATH=
mkdir -p "$NIX_CONF_DIR" "$HOME"
nix() { nix-instantiate --option build-users-group "" --readonly-mode "$@"; }

passed=0 failed=0
pass() { echo "PASS $*"; passed=$((passed + 1)); }
fail() { echo "FAIL $*"; failed=$((failed + 1)); }

# 1. Every .nix file parses.
count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if out=$(nix --parse "$file" 2>&1 >/dev/null); then
    :
  else
    fail "parse ${file#"$root"/}: $out"
  fi
done < <(find "$root" -name '*.nix' -not -path "$root/build*" -not -path '*/.git/*' -print0)
if [ "$count" -lt 12 ]; then
  fail "parse: only $count .nix files found under $root (expected nix/ and its examples and tests)"
else
  pass "parse: $count .nix files"
fi

# 2. The evaluation checks.
if ! json=$(nix --eval --strict --json "$root/nix/tests/eval.nix" -A result 2>"$tmp/eval.err"); then
  fail "eval: nix/tests/eval.nix does not evaluate: $(cat "$tmp/eval.err")"
else
  report=$("$python" -c '
import json, sys
r = json.loads(sys.argv[1])
for f in r["failed"]:
    print("FAIL eval " + f)
print("checks %d failed %d" % (r["checks"], len(r["failed"])))
' "$json")
  echo "$report" | grep '^FAIL' || true
  read -r _ checks _ nfailed < <(echo "$report" | tail -n 1)
  if [ "$nfailed" = 0 ] && [ "$checks" -ge 90 ]; then
    pass "eval: $checks checks of the module, the package and the examples"
  else
    fail "eval: $nfailed of $checks checks failed"
  fi
fi

# 3. The keyFiles script (nix/prepare-config.nix), run on files of our own.
if ! nix --eval --strict --json "$root/nix/tests/eval.nix" -A scripts.prepare.text >"$tmp/prepare.json" 2>"$tmp/eval.err"; then
  fail "prepare: the script does not evaluate: $(cat "$tmp/eval.err")"
else
  work=$tmp/prepare
  mkdir -p "$work"
  "$python" -c '
import json, sys
text = json.load(open(sys.argv[1]))
w = sys.argv[2]
text = text.replace("@TEMPLATE@", w + "/paris.conf.in").replace("@TARGET@", w + "/paris.conf").replace("@KEYFILE@", w + "/tokyo.key")
open(w + "/prepare.sh", "w").write("#!/usr/bin/env bash\n" + text)
' "$tmp/prepare.json" "$work"
  key=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
  printf 'route4 {\n  id tokyo;\n  preshared-key "@TOKYO_KEY@";\n  spi 1234;\n}\n' >"$work/paris.conf.in"
  reset() { rm -f "$work/paris.conf" "$work/tokyo.key"; (umask 077; printf '%s\n' "$key" >"$work/tokyo.key"); }
  run() { (cd "$work" && bash ./prepare.sh) >"$work/out" 2>&1; }

  reset
  if run && [ -f "$work/paris.conf" ]; then
    mode=$(stat -c %a "$work/paris.conf")
    if grep -qx "  preshared-key \"$key\";" "$work/paris.conf" && [ "$mode" = 600 ] &&
      ! grep -q '@TOKYO_KEY@' "$work/paris.conf" && [ ! -e "$work/paris.conf.tmp" ] &&
      ! grep -q "$key" "$work/out"; then
      pass "prepare: the key in place of its placeholder, mode 600, nothing printed"
    else
      fail "prepare: wrong output (mode $mode): $(sed "s/$key/<key>/" "$work/paris.conf")"
    fi
  else
    fail "prepare: failed on good files: $(cat "$work/out")"
  fi

  broken() {  # broken NAME EXPECTED-MESSAGE-FRAGMENT: run, expect exit 1 and no output file
    local name=$1 expect=$2
    if run; then
      fail "prepare: $name: accepted"
    elif [ -e "$work/paris.conf" ]; then
      fail "prepare: $name: wrote the configuration anyway"
    elif grep -q "$key" "$work/out"; then
      fail "prepare: $name: printed the key"
    elif ! grep -q -- "$expect" "$work/out"; then
      fail "prepare: $name: message lacks '$expect': $(cat "$work/out")"
    else
      pass "prepare: $name refused ($(head -c 120 "$work/out"))"
    fi
  }
  reset; chmod 644 "$work/tokyo.key"; broken "key file readable by others" "chmod 600"
  reset; rm -f "$work/tokyo.key"; broken "key file missing" "strait keygen"
  reset; (umask 077; printf '%s\n' "${key:1}" >"$work/tokyo.key"); broken "key of 63 digits" "64 hex digits"
  reset; (umask 077; printf 'not a key %s\n' "$key" >"$work/tokyo.key"); broken "key file with other text" "64 hex digits"
  reset; sed -i 's/@TOKYO_KEY@/@OTHER@/' "$work/paris.conf.in"; broken "template without the placeholder" "no placeholder"
fi

# 3b. The configurations the examples carry over from the lab, each key
#     placeholder replaced by a key as the service does it, load in the
#     gateway itself: strait replay builds every queue from them (no kernel
#     interface opened).
strait=${2:-}
if [ -z "$strait" ] || [ ! -x "$strait" ]; then
  echo "note: no strait binary given (nix_test.sh SOURCE_DIR STRAIT): the carried-over configurations are not loaded"
elif [ ! -f "$tmp/prepare.json" ]; then
  fail "carry-over: no keys script to write the configurations with"
else
  for site in paris tokyo; do
    peer=$([ $site = paris ] && echo tokyo || echo paris)
    placeholder="@$(echo "$peer" | tr a-z A-Z)_KEY@"
    dir=$tmp/carry-$site
    mkdir -p "$dir/out"
    if ! nix --eval --strict --json "$root/nix/tests/eval.nix" -A "configs.$site" >"$dir/config.json" 2>"$tmp/eval.err"; then
      fail "carry-over $site: does not evaluate: $(cat "$tmp/eval.err")"
      continue
    fi
    "$python" -c '
import json, sys
d = sys.argv[2]
open(d + "/template", "w").write(json.load(open(sys.argv[1])))
text = json.load(open(sys.argv[3]))
text = text.replace("@TEMPLATE@", d + "/template").replace("@TARGET@", d + "/vita.conf") \
           .replace("@KEYFILE@", d + "/key").replace("@TOKYO_KEY@", sys.argv[4])
open(d + "/prepare.sh", "w").write(text)
' "$dir/config.json" "$dir" "$tmp/prepare.json" "$placeholder"
    (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$dir/key"; echo >>"$dir/key")
    if ! (cd "$dir" && bash ./prepare.sh) >"$dir/prepare.out" 2>&1; then
      fail "carry-over $site: the keys script failed: $(cat "$dir/prepare.out")"
    elif out=$("$strait" replay --config "$dir/vita.conf" --out "$dir/out" --until 1 2>&1); then
      pass "carry-over $site: netns-lab/vita-$site.conf on EC2 (nat-ip, ENI addresses, key from its file) loads in strait replay"
    else
      fail "carry-over $site: strait replay refuses it: $out"
    fi
  done
fi

# 4. The module's two units of vita-paris, rendered as NixOS renders them
#    (one Key=value line per list element), through systemd-analyze verify.
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "note: systemd-analyze not found: the units are not verified"
elif ! nix --eval --strict --json "$root/nix/tests/eval.nix" -A units >"$tmp/units.json" 2>"$tmp/eval.err"; then
  fail "units: do not evaluate: $(cat "$tmp/eval.err")"
else
  units=$tmp/units
  mkdir -p "$units"
  "$python" - "$tmp/units.json" "$units" <<'EOF'
import json, re, sys
units = json.load(open(sys.argv[1]))
out = sys.argv[2]
def value(v):
    if v is True: return "true"
    if v is False: return "false"
    v = str(v)
    # The store paths of this evaluation do not exist here: an executable
    # that does stands in, so that verify checks the directives.
    v = re.sub(r"/nix/store/0{32}-coreutils/bin/kill", "/bin/kill", v)
    return re.sub(r'/nix/store/0{32}-[^\s"]+', "/bin/true", v)
def lines(key, v):
    return [f"{key}={value(x)}" for x in (v if isinstance(v, list) else [v])]
for name, u in units.items():
    unit = ["[Unit]", f"Description={u['description']}"]
    for key, field in [("Documentation", "documentation"), ("Requires", "requires"), ("Wants", "wants"),
                       ("After", "after"), ("Before", "before")]:
        if u.get(field): unit.append(f"{key}={' '.join(u[field])}")
    unit.append("[Service]")
    for key, v in u["serviceConfig"].items():
        unit += lines(key, v)
    if u.get("wantedBy") or u.get("requiredBy"):
        unit.append("[Install]")
        if u.get("wantedBy"): unit.append(f"WantedBy={' '.join(u['wantedBy'])}")
        if u.get("requiredBy"): unit.append(f"RequiredBy={' '.join(u['requiredBy'])}")
    open(f"{out}/{name}.service", "w").write("\n".join(unit) + "\n")
EOF
  if verify=$(cd "$units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no \
    "$units/strait-paris.service" "$units/strait-interfaces-paris.service" 2>&1) &&
    ! echo "$verify" | grep -E "strait-(interfaces-)?paris\.service" | grep -qiE "unknown|invalid|failed|ignoring"; then
    pass "units: strait-paris and strait-interfaces-paris pass systemd-analyze verify"
  else
    fail "units: systemd-analyze verify: $verify"
  fi
fi

# 4b. The boot-time unit's command line, as the module writes it for
#     vita-paris, accepted by this strait's check-host, which loads the
#     carried-over configuration. Without --apply: it only reads this host
#     (its own run directory, so no gateway of this machine is seen).
if [ -n "$strait" ] && [ -x "$strait" ] && [ -f "$tmp/units.json" ] && [ -f "$tmp/carry-paris/vita.conf" ]; then
  if "$strait" check-host --help >/dev/null 2>&1; then
    mapfile -t args < <("$python" -c '
import json, shlex, sys
line = json.load(open(sys.argv[1]))["strait-interfaces-paris"]["serviceConfig"]["ExecStart"]
words = shlex.split(line.replace("$$", "$").replace("%%", "%"))
for w in words[1:]:
    if w != "--apply":
        print(sys.argv[2] if w == "/run/strait/paris.conf" else w)
' "$tmp/units.json" "$tmp/carry-paris/vita.conf")
    out=$(STRAIT_RUN_DIR=$tmp/run "$strait" "${args[@]}" 2>&1)
    status=$?
    if [ $status -le 1 ] && echo "$out" | grep -q '^ok *config: '; then
      pass "units: check-host accepts the boot-time unit's arguments (${args[*]}) and loads the configuration (status $status on this host)"
    else
      fail "units: strait ${args[*]}: status $status: $out"
    fi
  else
    echo "note: this strait has no check-host: the boot-time unit's arguments are not tried"
  fi
fi

# 5. What nix/ assumes of the rest of the repository.
if grep -q -- ' -Werror)' "$root/CMakeLists.txt"; then
  pass "package: CMakeLists.txt ends add_compile_options with ' -Werror)', as package.nix's postPatch expects"
else
  fail "package: CMakeLists.txt no longer holds ' -Werror)': update postPatch in nix/package.nix"
fi
if grep -q 'find_program(BPF_CLANG' "$root/gateway/xdp/CMakeLists.txt"; then
  pass "package: gateway/xdp/CMakeLists.txt takes BPF_CLANG (package.nix sets it)"
else
  fail "package: gateway/xdp/CMakeLists.txt has no find_program(BPF_CLANG: update cmakeFlags in nix/package.nix"
fi
if grep -rqs --include=CMakeLists.txt --include='*.cmake' --exclude-dir='build*' \
  -E 'add_custom_target\(man([[:space:]]|\))' "$root"; then
  pass "package: a CMake target 'man' exists (package.nix builds it)"
else
  echo "note: no CMake target 'man' in this tree yet: package.nix's 'ninja strait man' needs it"
fi
unit_file=$root/dist/systemd/strait@.service
if [ -f "$unit_file" ] && [ -f "$tmp/units.json" ]; then
  theirs=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit_file" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ')
  ours=$("$python" -c 'import json,sys; print(" ".join(sorted(set(json.load(open(sys.argv[1]))["strait-paris"]["serviceConfig"]["CapabilityBoundingSet"]))))' "$tmp/units.json")
  if [ "${theirs% }" = "$ours" ]; then
    pass "module: the same capabilities as dist/systemd/strait@.service ($ours)"
  else
    fail "module: capabilities differ from dist/systemd/strait@.service: module '$ours', unit '${theirs% }'"
  fi
  # Where the gateway writes: the same RuntimeDirectory and StateDirectory
  # (/run/strait the RuntimeDirectory, not a tmpfiles link to /var/lib/strait).
  keys="RuntimeDirectory RuntimeDirectoryPreserve StateDirectory StateDirectoryMode"
  theirs=$(for k in $keys; do printf '%s=%s ' "$k" "$(sed -n "s/^$k=//p" "$unit_file" | tail -n 1)"; done)
  ours=$("$python" -c '
import json, sys
c = json.load(open(sys.argv[1]))["strait-paris"]["serviceConfig"]
def v(x):
    return {True: "yes", False: "no", None: ""}.get(x, x) if isinstance(x, (bool, type(None))) else str(x)
print(" ".join("%s=%s" % (k, v(c.get(k))) for k in sys.argv[2].split()), end=" ")
' "$tmp/units.json" "$keys")
  if [ "$theirs" = "$ours" ] && [[ $theirs == *RuntimeDirectory=strait* ]]; then
    pass "module: the same files as dist/systemd/strait@.service (${ours% })"
  else
    fail "module: files differ from dist/systemd/strait@.service: module '${ours% }', unit '${theirs% }'"
  fi
else
  echo "note: dist/systemd/strait@.service not in this tree: the module's capabilities are not compared with it"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
