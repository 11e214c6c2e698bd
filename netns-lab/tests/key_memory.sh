#!/bin/bash
# Key material stays in locked memory: two strait gateways in the netns lab
# (lib/topology.sh) run with random keys, carry traffic, take new keys
# through the control socket (`strait config set`, and `config get
# --secrets` reads one back) and from their file on SIGHUP; then each
# gateway's memory is read through /proc/PID/mem and searched, outside the
# mlock'd mappings, for every key it was ever given (lib/key_scan.py: binary,
# hex text in both cases, compact and spaced, and their first and last
# bytes). Keys replaced must be found nowhere (wiped); the keys in use must
# be found inside the locked mappings (the scan sees them).
#   key_memory.sh STRAIT MODE BACKEND
# MODE: key-exchange (pre-shared keys) or data-plane (static SA keys and
# salts, and the routes' pre-shared keys); BACKEND: af-packet or xdp.
# Root only; exit 77 when the gateway's memory cannot be read. Everything
# lives in namespaces named after this shell's pid and is removed on exit;
# every wait is bounded.
set -u
STRAIT=$1 MODE=$2 BACKEND=$3
HERE=$(cd "$(dirname "$0")" && pwd)
P="km$$"
. "$HERE/../lib/two_site_test.sh"
NAME_paris="k-paris-$$" NAME_tokyo="k-tokyo-$$"
SCAN="/usr/bin/python3 $HERE/../lib/key_scan.py"

name_of() { local v="NAME_$1"; echo "${!v}"; }
cfg() { timeout 20 "$STRAIT" config "$@"; }
random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }
spaced() { echo "$1" | sed 's/../& /g; s/ $//'; }

[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
lab_two_sites_up "$P" || fail "cannot build the lab topology"

# Three generations of keys: in the file at start (1), set through the
# control socket (2), in the file reloaded on SIGHUP (3). Outbound SA 1001
# is paris -> tokyo, 1002 tokyo -> paris.
declare -A KEY
for g in 1 2 3; do
  KEY[psk$g]=$(random_hex 32)
  KEY[key1001_$g]=$(random_hex 16) KEY[salt1001_$g]=$(random_hex 4)
  KEY[key1002_$g]=$(random_hex 16) KEY[salt1002_$g]=$(random_hex 4)
done

# config SITE GENERATION: the lab's configuration with generation G's keys
# (the pre-shared key written with spaces between byte pairs, as CONFIG.md
# allows, the SA keys in upper case).
config() {
  local site=$1 g=$2
  lab_gateway_config "$site" "$MODE" | sed \
    -e "s/c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc/$(spaced "${KEY[psk$g]}")/" \
    -e "s/000102030405060708090a0b0c0d0e1f/${KEY[key1001_$g]^^}/" \
    -e "s/a0a1a2a1/${KEY[salt1001_$g]^^}/" \
    -e "s/000102030405060708090a0b0c0d0e2f/${KEY[key1002_$g]^^}/" \
    -e "s/a0a1a2a2/${KEY[salt1002_$g]^^}/"
}

start() {  # start SITE
  local site=$1
  lab_start_gateway "$P" "$site" "$(name_of "$site")" "$BACKEND" "$TMP/$site.conf" \
    "$TMP/$site.log" || fail "$site gateway exited at start-up or wrote no gateway-state within 10 s"
}

traffic() {  # traffic WHEN: ping both ways
  lab_ping "$P" paris tokyo 30 || fail "paris -> tokyo: no ping reply $1"
  lab_ping "$P" tokyo paris 10 || fail "tokyo -> paris: no ping reply $1"
}

for site in paris tokyo; do config $site 1 >"$TMP/$site.conf"; done
grep -q "${KEY[psk1]:0:2} ${KEY[psk1]:2:2}" "$TMP/paris.conf" || fail "the keys are not in the file"
start paris
start tokyo
traffic "with the keys of the file"
if ! $SCAN --probe "${PID[paris]}"; then
  echo "SKIP: cannot read /proc/${PID[paris]}/mem (ptrace not permitted here)"
  exit 77
fi

# Generation 2 through the control socket, one leaf per transaction.
for site in paris tokyo; do
  other=$(lab_other_site $site)
  name=$(name_of $site)
  printf '"%s"\n' "${KEY[psk2]}" | cfg set "$name" "/route4[id=$other]/preshared-key" ||
    fail "$site: config set preshared-key refused"
  if [ "$MODE" = data-plane ]; then
    for spi in 1001 1002; do
      direction=inbound-sa
      { [ $site = paris ] && [ $spi = 1001 ]; } || { [ $site = tokyo ] && [ $spi = 1002 ]; } &&
        direction=outbound-sa
      echo "${KEY[key${spi}_2]}" | cfg set "$name" "/$direction[spi=$spi][queue=1]/key" ||
        fail "$site: config set $direction $spi key refused"
      echo "${KEY[salt${spi}_2]}" | cfg set "$name" "/$direction[spi=$spi][queue=1]/salt" ||
        fail "$site: config set $direction $spi salt refused"
    done
  fi
done
traffic "after config set"

# `get` hides a key unless asked; --secrets answers it through the socket.
out=$(cfg get "$NAME_paris" "/route4[id=tokyo]/preshared-key") || fail "config get refused"
[ "$out" = '"(secret)"' ] || fail "config get shows the pre-shared key: $out"
out=$(cfg get "$NAME_paris" "/route4[id=tokyo]/preshared-key" --secrets) ||
  fail "config get --secrets refused"
[ "$out" = "\"${KEY[psk2]}\"" ] || fail "config get --secrets: not the key just set"
cfg get "$NAME_paris" / --secrets --json | grep -q "${KEY[psk2]}" ||
  fail "config get / --secrets --json: no key"

# Generation 3 from the files, on SIGHUP.
for site in paris tokyo; do
  config $site 3 >"$TMP/$site.conf"
  kill -HUP "${PID[$site]}"
done
for site in paris tokyo; do
  for ((i = 0; i < 50; i++)); do grep -q "SIGHUP: reloaded" "$TMP/$site.log" && break; sleep 0.1; done
  grep -q "SIGHUP: reloaded" "$TMP/$site.log" || fail "$site: no reload on SIGHUP"
done
traffic "after SIGHUP"
sleep 1

# The scan: generations 1 and 2 wiped, generation 3 in locked memory only.
status=0
for site in paris tokyo; do
  other=$(lab_other_site $site)
  args=("psk1~=${KEY[psk1]}" "psk2~=${KEY[psk2]}" "psk3!=${KEY[psk3]}")
  if [ "$MODE" = data-plane ]; then
    for spi in 1001 1002; do
      for g in 1 2 3; do
        mark="~"
        [ $g = 3 ] && mark="!"
        args+=("key${spi}_$g$mark=${KEY[key${spi}_$g]}")
        # The binary salt alone (4 bytes) matches by chance: its hex text only.
        args+=("salt${spi}_$g$mark=text:${KEY[salt${spi}_$g]}")
      done
    done
  fi
  echo "--- $site gateway (pid ${PID[$site]}), $MODE, $BACKEND:"
  kill -STOP "${PID[$site]}"
  $SCAN "${PID[$site]}" "${args[@]}"
  result=$?
  kill -CONT "${PID[$site]}"
  [ $result = 77 ] && { echo "SKIP: cannot read the memory of the $site gateway"; exit 77; }
  [ $result = 0 ] || status=1
done
[ $status = 0 ] || fail "key material outside locked memory (above)"

for site in paris tokyo; do
  lab_stop_site $site TERM || fail "$site gateway exited with status $? on SIGTERM"
done
echo "PASS: no key outside locked memory, $MODE, $BACKEND"
