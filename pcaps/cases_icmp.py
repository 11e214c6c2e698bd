"""Inbound ICMP to the gateway (PROTOCOL.md 4, CONFIG.md counters): every
type and code the private-icmp*, public-icmp* and inbound-icmp* counters
name, sent to the gateway's private address (private side, and through the
tunnel) and public address. Errors are counted by type and code (a code
also raises its type's counter), logged, never answered."""

from dataplane import (V4, V6, HOST, PRIVATE_IP, PUBLIC_IP, ROUTES, config, esp_frame, fam,
                       icmp_message, remote_host, to_private, to_public, udp_packet)


def frames(private, public):
    return ["frames private-out %d" % private, "frames public-out %d" % public]


# (type, code) -> the counters it raises.
V4_MESSAGES = {
    "destination-unreachable": [((3, 0), "net-unreachable"), ((3, 1), "host-unreachable"),
                                ((3, 2), "protocol-unreachable"),
                                ((3, 3), "port-unreachable"),
                                ((3, 4), "fragmentation-needed"),
                                ((3, 5), "source-route-failed")],
    "time-exceeded": [((11, 0), "transit-ttl-exceeded"),
                      ((11, 1), "fragment-reassembly-time-exceeded")],
    "redirect": [((5, 0), "redirect-net"), ((5, 1), "redirect-host"),
                 ((5, 2), "redirect-tos-net"), ((5, 3), "redirect-tos-host")],
    "parameter-problem": [((12, 0), None)],
}
V6_MESSAGES = {
    "destination-unreachable": [((1, 0), "net-unreachable"), ((1, 1), "destination-denied"),
                                ((1, 2), "scope-denied"), ((1, 3), "host-unreachable"),
                                ((1, 4), "port-unreachable"), ((1, 5), "source-denied"),
                                ((1, 6), "net-denied")],
    "time-exceeded": [((3, 0), "transit-hop-limit-exceeded"),
                      ((3, 1), "fragment-reassembly-time-exceeded")],
    "parameter-problem": [((4, 0), "header-field-problem"), ((4, 1), "next-header-problem"),
                          ((4, 2), "option-problem")],
    "packet-too-big": [((2, 0), None)],
}
# A code the counters do not name, per type (code-not-implemented-errors).
V4_UNKNOWN_CODE = {"destination-unreachable": (3, 13), "time-exceeded": (11, 2),
                   "redirect": (5, 4)}
V6_UNKNOWN_CODE = {"destination-unreachable": (1, 7), "time-exceeded": (3, 2),
                   "parameter-problem": (4, 9)}
# A type no counter names (type-not-implemented-errors).
V4_UNKNOWN_TYPE = (13, 0)   # timestamp request
V6_UNKNOWN_TYPE = (100, 0)  # private experimentation (an error type)


def expected(groups, family, unknown_codes=(), unknown_type=False):
    """counters lines for messages of `groups` (all codes), plus the unknown
    codes of `unknown_codes` and, if asked, one unknown type."""
    table = V4_MESSAGES if family == V4 else V6_MESSAGES
    counts = {}
    for group in groups:
        for _, name in table[group]:
            counts[group] = counts.get(group, 0) + 1
            if name:
                counts[name] = counts.get(name, 0) + 1
    for group in unknown_codes:
        counts[group] = counts.get(group, 0) + 1
        counts["code-not-implemented-errors"] = counts.get("code-not-implemented-errors", 0) + 1
    counts.setdefault("code-not-implemented-errors", 0)
    counts["type-not-implemented-errors"] = 1 if unknown_type else 0
    return counts


def messages(groups, family, unknown_codes=(), unknown_type=False):
    table = V4_MESSAGES if family == V4 else V6_MESSAGES
    unknown = V4_UNKNOWN_CODE if family == V4 else V6_UNKNOWN_CODE
    out = [tc for g in groups for tc, _ in table[g]]
    out += [unknown[g] for g in unknown_codes]
    if unknown_type:
        out.append(V4_UNKNOWN_TYPE if family == V4 else V6_UNKNOWN_TYPE)
    return out


def quoted(family, src, dst):
    """What an ICMP error quotes: the start of a packet the gateway sent."""
    return udp_packet(family, src, dst, 100)[:28 if family == V4 else 48]


def cases():
    for f in (V4, V6):
        n = fam(f)
        prefix = "icmp%d" % f
        groups = list((V4_MESSAGES if f == V4 else V6_MESSAGES).keys())
        unknown_codes = list((V4_UNKNOWN_CODE if f == V4 else V6_UNKNOWN_CODE).keys())
        router = "198.51.100.77" if f == V4 else "2001:db8:f00::77"
        far = "203.0.113.9" if f == V4 else "2001:db8:f00::9"

        # Private side, one case per type (every code, and one unknown code).
        for group in groups:
            codes = [group] if group in unknown_codes else []
            msgs = messages([group], f, codes)
            counts = expected([group], f, codes)
            yield dict(
                name="%s-icmp-%s-to-private-address" % (n, group),
                config=config(f),
                private_in=[(0.001 * k, to_private(icmp_message(
                    f, HOST[f], PRIVATE_IP[f], t, c, quoted(f, PRIVATE_IP[f], HOST[f])), f))
                    for k, (t, c) in enumerate(msgs)],
                counters=["private-%s/%s %d" % (prefix, k, v) for k, v in counts.items()] +
                frames(0, 0),
                description="ICMP%s %s with every code (%s) to the gateway's private address: "
                            "each counted by type and code, none answered." % (
                                "" if f == V4 else "v6", group,
                                ", ".join("%d/%d" % tc for tc in msgs)))

        # Public side and through the tunnel: every type and code at once.
        msgs = messages(groups, f, unknown_codes, True)
        counts = expected(groups, f, unknown_codes, True)
        yield dict(
            name="%s-icmp-all-types-to-public-address" % n,
            config=config(f),
            public_in=[(0.001 * k, to_public(icmp_message(
                f, router, PUBLIC_IP[1][f], t, c, quoted(f, PUBLIC_IP[1][f], far)), f))
                for k, (t, c) in enumerate(msgs)],
            counters=["public-%s/%s %d" % (prefix, k, v) for k, v in counts.items()] +
            frames(0, 0),
            description="Every ICMP%s type and code the counters name, an unknown code of "
                        "each type that has codes and an unknown type (%d/%d), to the "
                        "gateway's public address: counted, none answered." % (
                            "" if f == V4 else "v6",
                            *(V4_UNKNOWN_TYPE if f == V4 else V6_UNKNOWN_TYPE)))
        remote = remote_host(f)
        yield dict(
            name="%s-icmp-all-types-through-tunnel" % n,
            config=config(f),
            public_in=[(0.001 * k, esp_frame(f, icmp_message(
                f, remote, PRIVATE_IP[f], t, c, quoted(f, PRIVATE_IP[f], remote)), k + 1))
                for k, (t, c) in enumerate(msgs)],
            counters=["inbound-%s/%s %d" % (prefix, k, v) for k, v in counts.items()] +
            frames(0, 0),
            description="Every ICMP%s type and code the counters name (and unknown ones), "
                        "through the tunnel to the gateway's private address: counted under "
                        "inbound-%s, none answered." % ("" if f == V4 else "v6", prefix))

        yield dict(
            name="%s-icmp-unknown-type-to-private-address" % n,
            config=config(f),
            private_in=[(0.0, to_private(icmp_message(
                f, HOST[f], PRIVATE_IP[f], *(V4_UNKNOWN_TYPE if f == V4 else V6_UNKNOWN_TYPE)),
                f))],
            counters=["private-%s/type-not-implemented-errors 1" % prefix] + frames(0, 0),
            description="ICMP%s type %d to the gateway's private address is counted as a "
                        "type not implemented and not answered." % (
                            "" if f == V4 else "v6",
                            (V4_UNKNOWN_TYPE if f == V4 else V6_UNKNOWN_TYPE)[0]))

        echo = 8 if f == V4 else 128
        yield dict(
            name="%s-icmp-bad-checksum-to-private-address" % n,
            config=config(f),
            private_in=[(0.0, to_private(icmp_message(f, HOST[f], PRIVATE_IP[f], echo, 0,
                                                      b"checksum", bad_checksum=True), f)),
                        (0.001, to_private(icmp_message(f, HOST[f], PRIVATE_IP[f],
                                                        3 if f == V4 else 1, 3,
                                                        quoted(f, PRIVATE_IP[f], HOST[f]),
                                                        bad_checksum=True), f))],
            counters=["private-%s/protocol-errors 2" % prefix,
                      "private-%s/echo-request 0" % prefix,
                      "private-%s/destination-unreachable 0" % prefix] + frames(0, 0),
            description="An echo request and a port unreachable with a wrong ICMP checksum, "
                        "to the private address: protocol errors, not answered, not counted "
                        "by type.")

        yield dict(
            name="%s-icmp-truncated-to-private-address" % n,
            config=config(f),
            private_in=[(0.0, to_private(_truncated_icmp(f), f))],
            counters=["# spec silent on the counter: recorded from the gateway",
                      "private-%s/rxerrors 1" % prefix,
                      "private-%s/echo-request 0" % prefix] + frames(0, 0),
            description="An ICMP%s message of 3 bytes (shorter than an ICMP header) to the "
                        "private address is dropped." % ("" if f == V4 else "v6"))

        yield dict(
            name="%s-icmp-echo-reply-to-private-address" % n,
            config=config(f),
            private_in=[(0.0, to_private(icmp_message(f, HOST[f], PRIVATE_IP[f],
                                                      0 if f == V4 else 129, 0,
                                                      b"\0\x77\0\x01pong"), f))],
            counters=["private-%s/type-not-implemented-errors 0" % prefix,
                      "private-%s/echo-request 0" % prefix] + frames(0, 0),
            description="An unsolicited echo reply to the private address is neither "
                        "answered nor counted as an error.")


def _truncated_icmp(family):
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    from scapy.packet import Raw, raw
    if family == V4:
        return raw(IP(src=HOST[V4], dst=PRIVATE_IP[V4], ttl=64, id=0x100, proto=1) /
                   Raw(b"\x08\x00\xf7"))
    return raw(IPv6(src=HOST[V6], dst=PRIVATE_IP[V6], hlim=64, nh=58) / Raw(b"\x80\x00\x7f"))
