"""Forwarding cases: routes and queues in both directions, TFC padding, the
MTU limit with ICMP Fragmentation Needed / Packet Too Big, TTL / hop limit
expiry on either side (PROTOCOL.md 1, 3, 4)."""

from dataplane import (V4, V6, HOST, PRIVATE_IP, PUBLIC_IP, ROUTES, config, esp_frame, fam,
                       icmp_message, inbound_sa, private_queue, remote_host, to_private,
                       udp_packet, echo_request)


def frames(private, public):
    return ["frames private-out %d" % private, "frames public-out %d" % public]


def host_for_queue(family, destination, queue, queues=2):
    """A private-side host whose packets to `destination` go to `queue`."""
    base = HOST[family].rsplit("." if family == V4 else ":", 1)[0]
    sep = "." if family == V4 else ":"
    for last in range(9, 250):
        host = "%s%s%s" % (base, sep, last if family == V4 else format(last, "x"))
        if private_queue(host, destination, queues) == queue:
            return host
    raise AssertionError("no host for queue %d" % queue)


def cases():
    for f in (V4, V6):
        n = fam(f)
        tokyo, osaka, kyoto = (remote_host(f, r) for r in ("tokyo", "osaka", "kyoto"))

        yield dict(
            name="%s-forward-two-routes" % n,
            config=config(f, routes=("tokyo", "osaka")),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], tokyo, 200), f)),
                        (0.001, to_private(udp_packet(f, HOST[f], osaka, 300, seed=1), f)),
                        (0.002, to_private(udp_packet(f, HOST[f], tokyo, 400, seed=2), f))],
            counters=["outbound-sa[route=tokyo][queue=1]/packets 2",
                      "outbound-sa[route=osaka][queue=1]/packets 1",
                      "private-router/route-errors 0"] + frames(0, 3),
            description="Three private-side packets to two routes leave as ESP to each "
                        "route's gateway with that route's outbound SA.")

        yield dict(
            name="%s-forward-longest-prefix" % n,
            config=config(f, routes=("tokyo", "kyoto")),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], kyoto, 120), f)),
                        (0.001, to_private(udp_packet(f, HOST[f], tokyo, 120), f))],
            counters=["outbound-sa[route=kyoto][queue=1]/packets 1",
                      "outbound-sa[route=tokyo][queue=1]/packets 1"] + frames(0, 2),
            description="A destination inside both a route's net and a more specific "
                        "route's net takes the more specific route (longest prefix).")

        nowhere = "10.9.0.1" if f == V4 else "2001:db8:9::1"
        yield dict(
            name="%s-forward-no-route" % n,
            config=config(f),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], nowhere, 100), f))],
            counters=["private-router/route-errors 1"] + frames(0, 0),
            description="A private-side packet to a destination no route covers is dropped "
                        "and counted as a route error.")

        q1 = host_for_queue(f, tokyo, 1)
        q2 = host_for_queue(f, tokyo, 2)
        yield dict(
            name="%s-forward-two-queues" % n,
            config=config(f, queues=2),
            private_in=[(0.0, to_private(udp_packet(f, q1, tokyo, 150), f)),
                        (0.0, to_private(udp_packet(f, q2, tokyo, 150, seed=1), f)),
                        (0.001, to_private(udp_packet(f, q2, tokyo, 150, seed=2), f))],
            counters=["outbound-sa[route=tokyo][queue=1]/packets 1",
                      "outbound-sa[route=tokyo][queue=2]/packets 2"] + frames(0, 3),
            description="Private-side packets go to the queue FORMAT.md's RSS rule picks "
                        "(%s -> queue 1, %s -> queue 2) and leave as ESP from that queue's "
                        "public address to the route's gateway for that queue." % (q1, q2))

        yield dict(
            name="%s-decapsulate-two-queues" % n,
            config=config(f, queues=2),
            public_in=[(0.0, esp_frame(f, udp_packet(f, tokyo, HOST[f], 150), 1, queue=1)),
                       (0.001, esp_frame(f, udp_packet(f, tokyo, HOST[f], 150, seed=1), 1,
                                         queue=2))],
            counters=[inbound_sa("tokyo", 1) + "/sa-state/decrypt-errors 0",
                      inbound_sa("tokyo", 2) + "/sa-state/decrypt-errors 0",
                      "public-router/route-errors 0"] + frames(2, 0),
            description="ESP from the peer's gateway of each queue, to each public "
                        "interface, is decrypted with that queue's inbound SA and forwarded "
                        "to the private next hop.")

        yield dict(
            name="%s-decapsulate-forward" % n,
            config=config(f),
            public_in=[(0.0, esp_frame(f, udp_packet(f, tokyo, HOST[f], 300), 1)),
                       (0.001, esp_frame(f, udp_packet(f, tokyo, HOST[f], 64, seed=3), 2))],
            counters=[inbound_sa() + "/sa-state/decrypt-errors 0",
                      inbound_sa() + "/sa-state/protocol-errors 0",
                      inbound_sa() + "/sa-state/rxerrors 0"] + frames(2, 0),
            description="ESP encrypted by Scapy's SecurityAssociation (IV = sequence "
                        "number little-endian) is decrypted and the inner packets forwarded "
                        "to the private next hop, TTL / hop limit decremented once.")

        # MTU: the inner packet's size (no Ethernet header) against mtu 1440.
        yield dict(
            name="%s-mtu-at-limit" % n,
            config=config(f, mtu=1440),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], tokyo, 1440,
                                                    **({"flags": "DF"} if f == V4 else {})), f))],
            counters=["private-router/mtu-errors 0"] + frames(0, 1),
            description="A 1440-byte packet with mtu 1440 is tunnelled.")

        too_big = "fragmentation-needed" if f == V4 else "packet-too-big"
        yield dict(
            name="%s-mtu-one-above" % n,
            config=config(f, mtu=1440),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], tokyo, 1441,
                                                    **({"flags": "DF"} if f == V4 else {})), f))],
            counters=["private-router/mtu-errors 1"] + frames(1, 0),
            description="A 1441-byte packet with mtu 1440 is dropped and answered, from the "
                        "gateway's private address, with ICMP %s carrying MTU 1440." % (
                            "Fragmentation Needed" if f == V4 else "Packet Too Big"))

        # TFC: padded to mtu before encryption, both directions.
        yield dict(
            name="%s-tfc-padding" % n,
            config=config(f, mtu=1000, tfc=True),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], tokyo, 100), f)),
                        (0.001, to_private(udp_packet(f, HOST[f], tokyo, 1000, seed=1), f))],
            counters=frames(0, 2),
            description="With tfc true and mtu 1000, a 100-byte and a 1000-byte packet both "
                        "leave as ESP carrying 1000 bytes of plaintext payload (equal sizes).")

        inner = udp_packet(f, tokyo, HOST[f], 100)
        yield dict(
            name="%s-tfc-padding-removed" % n,
            config=config(f, mtu=1000, tfc=True),
            public_in=[(0.0, _esp_padded_frame(f, inner, 1000))],
            counters=[inbound_sa() + "/sa-state/protocol-errors 0"] + frames(1, 0),
            description="Inbound ESP whose inner packet is followed by TFC padding (zeros up "
                        "to 1000 bytes) is forwarded trimmed to the inner packet's own "
                        "length (100 bytes).")

        # TTL / hop limit on each side.
        word = "ttl" if f == V4 else "hop-limit"
        yield dict(
            name="%s-%s-1-private" % (n, word),
            config=config(f),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], tokyo, 120, ttl=1), f))],
            counters=frames(1, 0),
            description="A private-side packet with %s 1 is not tunnelled: ICMP Time "
                        "Exceeded (code 0) goes back from the gateway's private address."
                        % word)
        yield dict(
            name="%s-%s-2-private" % (n, word),
            config=config(f),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], tokyo, 120, ttl=2), f))],
            counters=frames(0, 1),
            description="A private-side packet with %s 2 is tunnelled with %s 1 "
                        "(encapsulation decrements once)." % (word, word))
        yield dict(
            name="%s-%s-1-public" % (n, word),
            config=config(f),
            public_in=[(0.0, esp_frame(f, udp_packet(f, tokyo, HOST[f], 120, ttl=1), 1))],
            counters=[inbound_sa() + "/sa-state/decrypt-errors 0"] + frames(0, 1),
            description="A tunnelled packet with inner %s 1 is not forwarded: ICMP Time "
                        "Exceeded from the gateway's private address goes back to its source "
                        "through the tunnel (as ESP)." % word)
        yield dict(
            name="%s-%s-2-public" % (n, word),
            config=config(f),
            public_in=[(0.0, esp_frame(f, udp_packet(f, tokyo, HOST[f], 120, ttl=2), 1))],
            counters=frames(1, 0),
            description="A tunnelled packet with inner %s 2 is forwarded to the private "
                        "side with %s 1 (decapsulation decrements once)." % (word, word))

        # No ICMP error about an ICMP error (RFC 1812 4.3.2.7, RFC 4443 2.4).
        quoted = udp_packet(f, tokyo, HOST[f], 60)[:28 if f == V4 else 48]
        error = icmp_message(f, HOST[f], tokyo, 3 if f == V4 else 1, 3 if f == V4 else 4, quoted)
        error = _with_ttl(f, error, 1)
        yield dict(
            name="%s-%s-1-icmp-error-not-answered" % (n, word),
            config=config(f),
            private_in=[(0.0, to_private(error, f))],
            counters=frames(0, 0),
            description="An ICMP error (port unreachable) with %s 1 is dropped without an "
                        "ICMP Time Exceeded about it (RFC 1812 / RFC 4443: no error about an "
                        "error)." % word)

        # Ethernet padding: a short packet in a minimum-size frame.
        small = udp_packet(f, HOST[f], tokyo, 20 + 8 + 4 if f == V4 else 40 + 8 + 4)
        frame = to_private(small, f)
        frame = frame + bytes(max(0, 60 - len(frame)))
        if f == V4:
            yield dict(
                name="%s-ethernet-padding-not-tunnelled" % n,
                config=config(f),
                private_in=[(0.0, frame)],
                counters=frames(0, 1),
                description="A 32-byte IPv4 packet in a 60-byte frame (Ethernet padding): "
                            "the tunnel carries the 32 bytes the IP total length states, not "
                            "the padding.")

        # An echo request through the tunnel to a host behind the gateway is
        # forwarded, not answered (only the gateway's own addresses answer).
        yield dict(
            name="%s-echo-to-private-host-forwarded" % n,
            config=config(f),
            public_in=[(0.0, esp_frame(f, echo_request(f, tokyo, HOST[f]), 1))],
            counters=["inbound-icmp%s/echo-request 0" % f] + frames(1, 0),
            description="An echo request through the tunnel to a host behind the gateway is "
                        "forwarded to the private side, not answered by the gateway.")


def _with_ttl(family, packet, ttl):
    from dataplane import ipv4_fix_checksum
    out = bytearray(packet)
    if family == V4:
        out[8] = ttl
        return ipv4_fix_checksum(bytes(out))
    out[7] = ttl
    return bytes(out)


def _esp_padded_frame(family, inner, total):
    """ESP whose plaintext carries `inner` followed by TFC zero padding up to
    `total` bytes (cryptography-built: Scapy cannot add TFC padding)."""
    from dataplane import esp_payload, esp_plaintext, raw_esp_frame, ROUTES
    plaintext = esp_plaintext(inner + bytes(total - len(inner)), 4 if family == V4 else 41)
    spi = ROUTES["tokyo"]["inbound_spi"][1]
    return raw_esp_frame(family, esp_payload(spi, 1, plaintext))
