#!/bin/bash
# A flood of forged packets at a gateway whose tunnel carries TCP, in the
# netns lab (issue 13, item 7):
#   flood.sh STRAIT BACKEND [RATE]
# Two gateways with the key exchange (pre-shared keys); iperf3 TCP from
# host-tokyo to host-paris through the tunnel. `strait flood`, in the WAN
# namespace, out of the veth facing paris's public interface, sends paris
# 1,000,000 forged key-exchange messages (knocks and proposals for the
# route, from random sources and from the peer's address) and 1,000,000
# forged ESP packets (random SPIs, the live SPI with bad ICVs, the live SPI
# with old sequence numbers), interleaved, at RATE frames per second
# (default 40000: 50 s). Meanwhile iperf3 runs twice, as fast as it can,
# then paced at 300 Mbit/s; each is compared with the same run without the
# flood. Checks:
# * every forged frame is counted (then exactly, for 70,000 more sent with
#   no other traffic): the key manager's errors and challenges
#   (key-manager), unknown SPIs (public-router route-errors) and the live
#   SA's decrypt-errors grow by what was sent, less what was dropped on the
#   way (the gateway's public-interface rxdrop: its AF_PACKET or AF_XDP
#   ring was full; the veths' own drops), all printed;
# * no SA lost or replaced: both gateways' SPIs are the same after;
# * no state per sender: paris's resident memory grows by less than 4 MiB
#   for 500,000 forged senders (flood_test checks, in memory, that the key
#   manager allocates nothing at all for 100,000);
# * throughput: TCP paced at 300 Mbit/s keeps at least 90 % of its rate
#   (FLOOD_MIN_PACED_RATIO); TCP as fast as it can keeps at least
#   FLOOD_MIN_RATIO (default 0.5): the flood, both gateways and both iperf3
#   ends share this machine's two cores, so what the attacker's sending
#   costs is taken from the tunnel (README: the figures measured).
# Root only (exit 77, CTest: Skipped, without root or a tool); namespaces
# named after this shell's pid, removed on exit; every wait bounded.
set -u
STRAIT=$1 BACKEND=${2:-xdp} RATE=${3:-40000}
MIN_RATIO=${FLOOD_MIN_RATIO:-0.5} MIN_PACED_RATIO=${FLOOD_MIN_PACED_RATIO:-0.9}
PACE=300M
KE_FRAMES=${FLOOD_KE_FRAMES:-1000000} ESP_FRAMES=${FLOOD_ESP_FRAMES:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
P="fl$$"
. "$HERE/../lib/skip.sh"
lab_skip_unless_lab ip ethtool iperf3 timeout
. "$HERE/../lib/two_site_test.sh"
NAME_paris="fl-paris-$$" NAME_tokyo="fl-tokyo-$$"
IPERF_SERVER=
test_cleanup() { [ -n "$IPERF_SERVER" ] && kill "$IPERF_SERVER" 2>/dev/null; }

name_of() { local v="NAME_$1"; echo "${!v}"; }
state() { timeout 20 "$STRAIT" config get-state "$(name_of "$1")" / --json; }
py() { /usr/bin/python3 "$@"; }

# tcp SECONDS LABEL [OPTION...]: iperf3 TCP host-tokyo -> host-paris;
# prints Mbit/s.
tcp() {
  local json seconds=$1 label=$2
  shift 2
  json=$(ip netns exec "$P-host-tokyo" timeout $((seconds + 15)) iperf3 -c 10.1.0.2 \
    -t "$seconds" -J "$@" 2>>"$TMP/iperf-client.log") || {
    echo "$json" >>"$TMP/iperf-client.log"
    fail "$label: iperf3 failed"
  }
  echo "$json" | py -c '
import json, sys
print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}

# dropped NS IFNAME rx|tx: the interface's dropped packets that way.
dropped() {
  ip -n "$1" -s -j link show "$2" | py -c '
import json, sys
print(json.load(sys.stdin)[0]["stats64"][sys.argv[1]]["dropped"])' "$3"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

lab_two_sites_up "$P" || fail "cannot build the lab topology"
for site in paris tokyo; do
  lab_gateway_config $site key-exchange >"$TMP/$site.conf"
  lab_start_gateway "$P" $site "$(name_of $site)" "$BACKEND" "$TMP/$site.conf" "$TMP/$site.log" ||
    fail "$site gateway did not start"
done
lab_ping "$P" paris tokyo 20 || fail "paris -> tokyo: no ping reply"
lab_ping "$P" tokyo paris 10 || fail "tokyo -> paris: no ping reply"
ip netns exec "$P-host-paris" timeout 300 iperf3 -s -B 10.1.0.2 >"$TMP/iperf-server.log" 2>&1 &
IPERF_SERVER=$!
sleep 0.5
alone1=$(tcp 5 "alone") || exit 1
paced_alone=$(tcp 4 "paced alone" -b $PACE) || exit 1

# What the flood needs to know: paris's gateway MAC, its inbound SAs (the
# live one carries the iperf3 traffic), the route SPI (1234).
# The MAC the gateway answers ARP with (its configured or derived `mac`, not
# necessarily pub0's own address: it takes only frames for that MAC), as the
# internet's router learned it when the pings crossed.
mac=$(ip -n "$P-wan" -j neigh show 198.51.100.10 | py -c '
import json, sys
print(next(n["lladdr"] for n in json.load(sys.stdin) if n.get("lladdr")))') ||
  fail "the internet router has no ARP entry for paris (198.51.100.10)"
state paris >"$TMP/paris-before.json" || fail "get-state paris"
state tokyo >"$TMP/tokyo-before.json" || fail "get-state tokyo"
read -r live exclude < <(py -c '
import json, sys
sas = json.load(open(sys.argv[1]))["gateway-state"]["inbound-sa"]
sas.sort(key=lambda sa: -sa["highest-sequence"])
print(sas[0]["spi"], " ".join("--exclude-spi %d" % sa["spi"] for sa in sas))' "$TMP/paris-before.json")
# Dropped on the way, before the gateway's counters: frames the veth facing
# paris could not pass on (its ring to pub0 full), and, with AF_PACKET,
# those pub0's backlog refused (with AF_XDP, pub0's rx drops are the XDP
# redirects the full socket refused: the gateway counts those as rxdrop).
veth_drops() {
  local n
  n=$(dropped "$P-wan" to-paris tx)
  [ "$BACKEND" = af-packet ] && n=$((n + $(dropped "$P-gw-paris" pub0 rx)))
  echo "$n"
}
drops_before=$(veth_drops)
rss_before=$(rss_kib "${PID[paris]}")

ke=$((KE_FRAMES / 4)) esp=$((ESP_FRAMES / 3))
seconds=$(((KE_FRAMES + ESP_FRAMES) / RATE + 1))
# shellcheck disable=SC2086  # exclude is a list of options
ip netns exec "$P-wan" timeout $((seconds + 30)) "$STRAIT" flood --interface to-paris \
  --gateway 198.51.100.10 --gateway-mac "$mac" --peer 203.0.113.10 --route-spi 1234 \
  --spi "$live" --sequence 100000000 $exclude --rate "$RATE" --seconds $((seconds + 20)) --json \
  --kind ske-knock-strangers $ke --kind ske-proposal-strangers $ke \
  --kind ske-knock-peer $ke --kind ske-proposal-peer $((KE_FRAMES - 3 * ke)) \
  --kind esp-random-spi $esp --kind esp-bad-icv $esp --kind esp-replay $((ESP_FRAMES - 2 * esp)) \
  >"$TMP/flood.json" 2>"$TMP/flood.log" &
FLOOD=$!
sleep 0.5
half=$(((seconds - 3) / 2))
flooded=$(tcp "$half" "flooded") || exit 1
paced_flooded=$(tcp "$half" "paced flooded" -b $PACE) || exit 1
wait "$FLOOD" || fail "strait flood: status $? ($(cat "$TMP/flood.log"))"
sleep 1.5  # the gateway's state file and rings settle
alone2=$(tcp 5 "alone again") || exit 1
drops_after=$(veth_drops)
rss_after=$(rss_kib "${PID[paris]}")
state paris >"$TMP/paris-after.json" || fail "get-state paris"
state tokyo >"$TMP/tokyo-after.json" || fail "get-state tokyo"

py - "$TMP" "$live" $((drops_after - drops_before)) "$rss_before" "$rss_after" \
  "$alone1" "$flooded" "$alone2" "$MIN_RATIO" "$BACKEND" "$paced_alone" "$paced_flooded" \
  "$MIN_PACED_RATIO" <<'PY' || fail "flood checks (above)"
import json, sys
tmp, live = sys.argv[1], int(sys.argv[2])
link_drops, rss_before, rss_after = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
alone1, flooded, alone2, min_ratio = float(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9])
backend = sys.argv[10]
paced_alone, paced_flooded, min_paced = float(sys.argv[11]), float(sys.argv[12]), float(sys.argv[13])
load = lambda name: json.load(open("%s/%s.json" % (tmp, name)))
flood = load("flood")
before, after = load("paris-before")["gateway-state"], load("paris-after")["gateway-state"]
problems = []

def delta(container, leaf):
    return after[container][leaf] - before[container][leaf]

ke_counters = ["rxerrors", "route-errors", "protocol-errors", "version-errors", "parameter-errors",
               "authentication-errors", "public-key-errors", "challenges-offered"]
ke_counted = sum(delta("key-manager", c) for c in ke_counters)
random_spi = delta("public-router", "route-errors")
def decrypt_errors(state):
    return sum(sa["sa-state"]["decrypt-errors"] for sa in state.get("inbound-sa", []) if sa["spi"] == live)
live_counted = decrypt_errors(after) - decrypt_errors(before)
rxdrop = delta("public-interface", "rxdrop")
sent = flood["sent"]
kinds = flood["kinds"]
ke_sent = sum(v["sent"] for k, v in kinds.items() if k.startswith("ske-"))
random_sent = kinds["esp-random-spi"]["sent"]
live_sent = kinds["esp-bad-icv"]["sent"] + kinds["esp-replay"]["sent"]
counted = ke_counted + random_spi + live_counted
dropped = rxdrop + link_drops
print("flood: %d frames in %.1f s (%.0f frames/s), %s" % (sent, flood["seconds"], flood["rate"],
      ", ".join("%s %d" % (k, v["sent"]) for k, v in kinds.items())))
print("counted: key-manager %d of %d (%s), public-router route-errors %d of %d, "
      "decrypt-errors of SA %d %d of %d; dropped before the gateway's counters: %d "
      "(public-interface rxdrop %d, veths %d)" % (
          ke_counted, ke_sent,
          ", ".join("%s +%d" % (c, delta("key-manager", c)) for c in ke_counters if delta("key-manager", c)),
          random_spi, random_sent, live, live_counted, live_sent, dropped, rxdrop, link_drops))
if flood["timed_out"] or sent != sum(v["requested"] for v in kinds.values()):
    problems.append("the flood did not send everything in time")
if counted > sent or sent - counted > dropped:
    problems.append("%d forged frames sent, %d counted, %d dropped before: unaccounted %d"
                    % (sent, counted, dropped, sent - counted - dropped))
for c in ["keypairs-offered", "keypairs-negotiated", "outbound-sa-updated", "inbound-sa-expired",
          "outbound-sa-expired", "negotiations-initiated"]:
    if delta("key-manager", c):
        problems.append("key-manager %s changed by %d" % (c, delta("key-manager", c)))
for site in ("paris", "tokyo"):
    spis = lambda s: sorted(("in", sa["spi"]) for sa in s.get("inbound-sa", [])) + \
                     sorted(("out", sa["spi"]) for sa in s.get("outbound-sa", []))
    b, a = spis(load(site + "-before")["gateway-state"]), spis(load(site + "-after")["gateway-state"])
    print("%s SAs: %s%s" % (site, " ".join("%s %d" % x for x in a), "" if a == b else " (before: %s)" % b))
    if a != b:
        problems.append("%s's SAs changed" % site)
# Forged sequence numbers from 100,000,000 up never moved the window.
highest = [sa["highest-sequence"] for sa in after.get("inbound-sa", []) if sa["spi"] == live]
if not highest or highest[0] >= 100000000:
    problems.append("the live SA's window moved to the forged sequence numbers: %s" % highest)
growth = rss_after - rss_before
print("paris resident memory: %d KiB before, %d KiB after (%+d KiB)" % (rss_before, rss_after, growth))
if growth > 4096:
    problems.append("paris's memory grew by %d KiB" % growth)
alone = (alone1 + alone2) / 2
ratio = flooded / alone if alone > 0 else 0
paced = paced_flooded / paced_alone if paced_alone > 0 else 0
print("throughput (%s, %.0f forged frames/s): TCP as fast as it can: alone %.0f and %.0f Mbit/s,"
      " flooded %.0f Mbit/s: ratio %.2f (floor %.2f); TCP paced at 300 Mbit/s: alone %.0f,"
      " flooded %.0f Mbit/s: ratio %.2f (floor %.2f)" % (
          backend, flood["rate"], alone1, alone2, flooded, ratio, min_ratio, paced_alone,
          paced_flooded, paced, min_paced))
if ratio < min_ratio:
    problems.append("throughput ratio %.2f under %.2f" % (ratio, min_ratio))
if paced < min_paced:
    problems.append("paced throughput ratio %.2f under %.2f" % (paced, min_paced))
for p in problems:
    print("FAIL: " + p)
sys.exit(1 if problems else 0)
PY
# Exactly: 70,000 more (10,000 of each kind) with no other traffic: the
# counters grow by what was sent, less what the counted drops took.
state paris >"$TMP/paris-before.json" || fail "get-state paris"
drops_before=$(veth_drops)
# shellcheck disable=SC2086  # exclude is a list of options
ip netns exec "$P-wan" timeout 30 "$STRAIT" flood --interface to-paris --gateway 198.51.100.10 \
  --gateway-mac "$mac" --peer 203.0.113.10 --route-spi 1234 --spi "$live" --sequence 200000000 \
  $exclude --rate 20000 --seconds 20 --json --seed 2 \
  --kind ske-knock-strangers 10000 --kind ske-proposal-strangers 10000 \
  --kind ske-knock-peer 10000 --kind ske-proposal-peer 10000 \
  --kind esp-random-spi 10000 --kind esp-bad-icv 10000 --kind esp-replay 10000 \
  >"$TMP/flood.json" 2>"$TMP/flood.log" || fail "strait flood (exact): status $?"
sleep 1.5
drops_after=$(veth_drops)
state paris >"$TMP/paris-after.json" || fail "get-state paris"
py - "$TMP" "$live" $((drops_after - drops_before)) <<'PY' || fail "exact count (above)"
import json, sys
tmp, live, veth = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
load = lambda name: json.load(open("%s/%s.json" % (tmp, name)))
flood = load("flood")
before, after = load("paris-before")["gateway-state"], load("paris-after")["gateway-state"]
delta = lambda c, leaf: after[c][leaf] - before[c][leaf]
counted = sum(delta("key-manager", c) for c in [
    "rxerrors", "route-errors", "protocol-errors", "version-errors", "parameter-errors",
    "authentication-errors", "public-key-errors", "challenges-offered"])
counted += delta("public-router", "route-errors")
counted += sum(sa["sa-state"]["decrypt-errors"] for sa in after["inbound-sa"] if sa["spi"] == live) - \
    sum(sa["sa-state"]["decrypt-errors"] for sa in before["inbound-sa"] if sa["spi"] == live)
dropped = delta("public-interface", "rxdrop") + veth
print("exact: %d forged frames sent at %.0f/s with no other traffic: %d counted + %d dropped"
      % (flood["sent"], flood["rate"], counted, dropped))
sys.exit(0 if counted + dropped == flood["sent"] == 70000 else 1)
PY
for site in paris tokyo; do lab_stop_site $site TERM || fail "$site: status $? on SIGTERM"; done
echo "PASS: flood, $BACKEND"
