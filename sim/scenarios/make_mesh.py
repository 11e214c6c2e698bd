#!/usr/bin/python3
"""make_mesh.py: writes the ten gateway configurations of mesh-10.sim
(configs/mesh-01.conf .. configs/mesh-10.conf) and mesh-10.sim itself.

Deterministic: run it again and nothing changes (`git diff` stays empty).

Region N (1..10) is `rNN`:
  private   10.N.0.0/16, gateway 10.N.0.1, next hop (the region's router) 10.N.0.2
  public    198.18.N.1 (queue 1), next hop 198.18.N.254
and has one route to every other region M: id rMM, net 10.M.0.0/16, gateway
198.18.M.1 on queue 1. The two ends of the route between regions A < B share
  spi            1000 + 100*A + B            (unique per pair: 1102 .. 1910)
  preshared-key  BLAKE2s-256("strait sim mesh rAA-rBB"), 64 hex digits
Keys derived from public names are for the simulator only: never use them on a
real network.
"""

import hashlib
import os
import sys

REGIONS = 10
HERE = os.path.dirname(os.path.abspath(__file__))
CONFIGS = os.path.join(HERE, "configs")

# One-way latency of the link between regions A and B: 10 ms per step of
# distance, so the mesh has 10 .. 90 ms links (see the header of mesh-10.sim).
def latency_ms(a, b):
    return 10 * abs(a - b)


def name(n):
    return f"r{n:02d}"


def pair(a, b):
    return (a, b) if a < b else (b, a)


def spi(a, b):
    lo, hi = pair(a, b)
    return 1000 + 100 * lo + hi


def psk(a, b):
    lo, hi = pair(a, b)
    text = f"strait sim mesh {name(lo)}-{name(hi)}".encode()
    return hashlib.blake2s(text, digest_size=32).hexdigest().upper()


def config(n):
    lines = [
        f"// {name(n)}: region {n} of sim/scenarios/mesh-10.sim, a full mesh of {REGIONS}",
        "// gateways. Written by sim/scenarios/make_mesh.py: edit that, not this.",
        "// One public interface (queue 1); the simulator ignores `ifname` and its",
        "// routers answer ARP for the next hops. Pre-shared keys are derived from",
        "// the region names: for the simulator only.",
        "//",
        f"//   own network   10.{n}.0.0/16   gateway 10.{n}.0.1, router 10.{n}.0.2",
        f"//   internet      198.18.{n}.1 (queue 1), router 198.18.{n}.254",
        "private-interface4 {",
        "  ifname eth1;",
        f"  ip 10.{n}.0.1;",
        f"  nexthop-ip 10.{n}.0.2;",
        "}",
        "public-interface4 {",
        "  queue 1;",
        "  ifname eth2;",
        "  device-queue 1;",
        f"  ip 198.18.{n}.1;",
        f"  nexthop-ip 198.18.{n}.254;",
        "}",
        "mtu 1440;",
    ]
    for m in range(1, REGIONS + 1):
        if m == n:
            continue
        lines += [
            "route4 {",
            f"  id {name(m)};",
            f"  gateway {{ queue 1; ip 198.18.{m}.1; }}",
            f'  net "10.{m}.0.0/16";',
            f'  preshared-key "{psk(n, m)}";',
            f"  spi {spi(n, m)};",
            "}",
        ]
    return "\n".join(lines) + "\n"


def scenario():
    last = max(latency_ms(a, b) for a in range(1, REGIONS + 1) for b in range(a + 1, REGIONS + 1))
    out = [
        f"// mesh-10: a full mesh of {REGIONS} regions, a route between every pair",
        f"// ({REGIONS * (REGIONS - 1) // 2} routes, {REGIONS - 1} per gateway), links of 10 .. {last} ms one way",
        "// (10 ms per step between region numbers). Written by make_mesh.py with",
        "// the configurations configs/mesh-NN.conf: edit the script, not this file.",
        "//",
        "// Shows: a gateway with many routes brings them all up at once and keeps",
        "// them up through two rekey rounds (sa-ttl 600: rekeys at 300 .. 375 s and",
        "// 600 .. 750 s), and every pre-shared key / SPI pair matches.",
        "//",
        "// Bounds:",
        "// * converged-within 6 (from the start: no fault): a key manager starts at",
        f"//   most one negotiation per 50 ms (20 a second), so the {REGIONS - 1}th route of a",
        f"//   gateway knocks at {(REGIONS - 2) * 50 / 1000:.2f} s; an exchange takes 4 one-way trips",
        f"//   (<= 4 x {last} ms = {4 * last / 1000:.2f} s). But each gateway's very first knock is",
        "//   dropped while it resolves its public next hop (an unresolved next hop",
        "//   drops the frame and sends ARP); when two gateways are each other's",
        "//   first route (r01 and r02), neither hears from the other before the",
        f"//   retry, negotiation-ttl = 5 s later: 5 + {4 * last / 1000:.2f} = {5 + 4 * last / 1000:.2f} s at worst; 6 s.",
        f"//   At start a gateway receives at most {(REGIONS - 1) * 4} key-exchange messages (knock,",
        "//   proposal, challenge, agreement per peer), under the 100 per second",
        "//   it processes.",
        "// * The ring flows (rN -> rN+1, 10 pps) start at 10 s, after convergence,",
        "//   and stop 10 s before the end (nothing in flight is counted lost):",
        "//   not one packet lost, none duplicated; (890 - 10) s x 10 pps = 8800",
        "//   packets each (delivered-min 8790: a margin for how the ends of the",
        "//   interval are counted).",
        "// * authentication-errors max 0: both ends of every route hold the same",
        "//   key; outbound-sa-expired max 0: rekeying (<= 375 s) always replaces an",
        "//   outbound SA long before its 600 s lifetime.",
        "",
        "duration 900;",
        "sample-interval 5;",
        "",
    ]
    for n in range(1, REGIONS + 1):
        out.append(f'region {{ name {name(n)}; config "configs/mesh-{n:02d}.conf"; }}')
    out.append("")
    for a in range(1, REGIONS + 1):
        for b in range(a + 1, REGIONS + 1):
            out.append(f'link {{ between "{name(a)} {name(b)}"; latency-ms {latency_ms(a, b)}; }}')
    out.append("")
    for n in range(1, REGIONS + 1):
        m = n % REGIONS + 1
        out.append(f"flow {{ name ring{n:02d}; kind udp; from {name(n)}; to {name(m)}; "
                   f"rate-pps 10; size 500; start 10; stop 890; }}")
    out.append(f"flow {{ name far; kind ping; from {name(1)}; to {name(REGIONS)}; "
               f"interval-ms 1000; start 10; stop 890; }}")
    out.append("")
    out.append("expect { converged-within 6; }")
    for n in range(1, REGIONS + 1):
        out.append(f"expect {{ flow ring{n:02d}; lost-max 0; duplicates-max 0; delivered-min 8790; }}")
    out.append("expect { flow far; lost-max 0; }")
    for n in range(1, REGIONS + 1):
        out.append(f'expect {{ region {name(n)}; counter "key-manager/authentication-errors"; max 0; }}')
        out.append(f'expect {{ region {name(n)}; counter "key-manager/outbound-sa-expired"; max 0; }}')
    return "\n".join(out) + "\n"


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    os.makedirs(CONFIGS, exist_ok=True)
    for n in range(1, REGIONS + 1):
        write(os.path.join(CONFIGS, f"mesh-{n:02d}.conf"), config(n))
    write(os.path.join(HERE, "mesh-10.sim"), scenario())
    print(f"make_mesh.py: {REGIONS} configurations in {CONFIGS}, mesh-10.sim")
    return 0


if __name__ == "__main__":
    sys.exit(main())
