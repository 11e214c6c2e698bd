#!/usr/bin/python3
"""Writes the data-plane conformance cases into conformance/cases/NAME/
(conformance/FORMAT.md): gateway.conf, inputs, options, description and the
hand-written counters. Deterministic: running it twice gives identical
bytes. The expected/ directories are conformance/run's (--regenerate).

    /usr/bin/python3 pcaps/build_cases.py [--list] [NAME-SUBSTRING ...]

Case groups, one module each: cases_forwarding (routes, queues, MTU, TFC,
TTL), cases_esp (SPI, anti-replay, ICV, truncation, padding, next header,
ESN), cases_neighbors (ARP / ND, next-hop resolution, ping and other
protocols to the gateway's addresses), cases_icmp (inbound ICMP types and
codes), cases_l2 (ethertypes, VLAN, broadcast / multicast, foreign MACs, IPv4
options, fragments, bad headers). The key-exchange cases (ske-*) are
written elsewhere and left alone.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import casekit  # noqa: E402
import cases_esp  # noqa: E402
import cases_forwarding  # noqa: E402
import cases_icmp  # noqa: E402
import cases_l2  # noqa: E402
import cases_neighbors  # noqa: E402

GROUPS = [("forwarding", cases_forwarding), ("esp", cases_esp),
          ("neighbors", cases_neighbors), ("icmp", cases_icmp), ("l2", cases_l2)]


def all_cases():
    names = set()
    for group, module in GROUPS:
        for case in module.cases():
            name = case["name"]
            assert name not in names, "duplicate case " + name
            assert not name.startswith("ske-"), name
            names.add(name)
            yield group, case


def main(argv):
    listing = "--list" in argv
    filters = [a for a in argv if not a.startswith("--")]
    counts = {}
    for group, case in all_cases():
        if filters and not any(f in case["name"] for f in filters):
            continue
        counts[group] = counts.get(group, 0) + 1
        if listing:
            print("%-10s %s" % (group, case["name"]))
            continue
        casekit.write_case(case["name"], case["config"], private_in=case.get("private_in"),
                           public_in=case.get("public_in"), options=case.get("options", ""),
                           counters=case["counters"], description=case["description"])
    total = sum(counts.values())
    print("%d cases (%s)" % (total, ", ".join("%s %d" % kv for kv in counts.items())),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
