"""Link layer and IP header cases: unknown ethertypes, VLAN tags, the other
address family, broadcast and multicast, frames for another station's MAC
(dropped, mac-errors), IPv4 options, fragments, bad header checksums and
lengths."""

import struct

from scapy.layers.inet import IP, UDP, IPOption_Router_Alert
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Raw, raw

from dataplane import (V4, V6, HOST, OTHER_MAC, PRIVATE_IP, PRIVATE_MAC, PRIVATE_NEXTHOP_MAC,
                       PUBLIC_IP, PUBLIC_MAC, PUBLIC_NEXTHOP_MAC, config, echo_request,
                       esp_frame, fam, ipv4_fix_checksum, payload, remote_host, scapy_esp,
                       ROUTES, to_private, to_public, udp_packet)


def frames(private, public):
    return ["frames private-out %d" % private, "frames public-out %d" % public]


SILENT = "# spec silent on the counter: recorded from the gateway"
MAC_FILTER = ("# spec silent: mac-errors, the gateway's own dispatch counter, counts frames "
              "for another MAC or a multicast group the interface does not listen to")
RFC1812 = ("# RFC 1812 5.3.4: a packet received as a link-layer broadcast is not forwarded "
           "(counted as mac-errors, the gateway's own dispatch counter)")


def cases():
    tokyo4, tokyo6 = remote_host(V4), remote_host(V6)

    # Ethertypes.
    yield dict(
        name="l2-unknown-ethertype-private",
        config=config(V4),
        private_in=[(0.0, raw(Ether(src=PRIVATE_NEXTHOP_MAC, dst=PRIVATE_MAC, type=0x88B5) /
                              Raw(payload(46))))],
        counters=["private-dispatch/ethertype-errors 1"] + frames(0, 0),
        description="A frame of ethertype 0x88b5 (local experimental) on the private side "
                    "is dropped as an ethertype error.")
    yield dict(
        name="l2-unknown-ethertype-public",
        config=config(V4),
        public_in=[(0.0, raw(Ether(src=PUBLIC_NEXTHOP_MAC, dst=PUBLIC_MAC[1], type=0x88B5) /
                             Raw(payload(46))))],
        counters=["public-dispatch/ethertype-errors 1"] + frames(0, 0),
        description="A frame of ethertype 0x88b5 on the public side is dropped as an "
                    "ethertype error.")
    yield dict(
        name="l2-ipv6-frame-on-ipv4-gateway",
        config=config(V4),
        private_in=[(0.0, to_private(udp_packet(V6, HOST[V6], tokyo6, 100), V6))],
        counters=["private-dispatch/ethertype-errors 1"] + frames(0, 0),
        description="An IPv6 frame reaching an IPv4 gateway (only one family is configured) "
                    "is dropped as an ethertype error.")
    yield dict(
        name="l2-ipv4-and-arp-on-ipv6-gateway",
        config=config(V6),
        private_in=[(0.0, to_private(udp_packet(V4, HOST[V4], tokyo4, 100), V4)),
                    (0.001, raw(Ether(src=OTHER_MAC, dst="ff:ff:ff:ff:ff:ff") /
                                ARP(op=1, hwsrc=OTHER_MAC, psrc="10.1.0.77",
                                    pdst=PRIVATE_IP[V4])))],
        counters=[SILENT, "private-dispatch/ethertype-errors 2"] + frames(0, 0),
        description="An IPv4 packet and an ARP request reaching an IPv6 gateway are dropped "
                    "unanswered.")

    # VLAN tags (the schema has no VLAN: tagged frames are not ours).
    for f in (V4, V6):
        inner = udp_packet(f, HOST[f], remote_host(f), 100)
        yield dict(
            name="l2-%s-vlan-tagged-private" % fam(f),
            config=config(f),
            private_in=[(0.0, raw(Ether(src=PRIVATE_NEXTHOP_MAC, dst=PRIVATE_MAC) /
                                  Dot1Q(vlan=10, type=0x0800 if f == V4 else 0x86DD) /
                                  Raw(inner)))],
            counters=[SILENT, "private-dispatch/ethertype-errors 1"] + frames(0, 0),
            description="An 802.1Q-tagged frame (VLAN 10) carrying %s on the private side "
                        "is not tunnelled: the configuration has no VLANs." % fam(f))
    esp = scapy_esp(V4, udp_packet(V4, tokyo4, HOST[V4], 100), ROUTES["tokyo"]["inbound_spi"][1],
                    1, ROUTES["tokyo"]["gateway"][1][V4], PUBLIC_IP[1][V4])
    yield dict(
        name="l2-ipv4-vlan-tagged-public",
        config=config(V4),
        public_in=[(0.0, raw(Ether(src=PUBLIC_NEXTHOP_MAC, dst=PUBLIC_MAC[1]) /
                             Dot1Q(vlan=10, type=0x0800) / Raw(esp)))],
        counters=[SILENT, "public-dispatch/ethertype-errors 1",
                  "inbound-sa[spi=2001][queue=1]/sa-state/decrypt-errors 0"] + frames(0, 0),
        description="An 802.1Q-tagged frame carrying authentic ESP on the public side is not "
                    "decapsulated: the configuration has no VLANs.")

    # Broadcast and multicast.
    dhcp = raw(IP(src="0.0.0.0", dst="255.255.255.255", ttl=64, id=0x100) /
               UDP(sport=68, dport=67) / Raw(payload(240)))
    yield dict(
        name="l2-ipv4-broadcast-private",
        config=config(V4),
        private_in=[(0.0, to_private(dhcp, V4, src=OTHER_MAC, dst="ff:ff:ff:ff:ff:ff"))],
        counters=["private-interface/rxbcast 1", RFC1812,
                  "private-dispatch/mac-errors 1"] + frames(0, 0),
        description="A broadcast DHCP discover (to 255.255.255.255) on the private side is "
                    "counted as a broadcast and neither tunnelled nor answered: a packet that "
                    "came as a link-layer broadcast is not forwarded (RFC 1812 5.3.4).")
    subnet_broadcast = udp_packet(V4, "192.0.2.77", "192.0.2.255", 100, dport=137)
    yield dict(
        name="l2-ipv4-broadcast-public",
        config=config(V4),
        public_in=[(0.0, to_public(subnet_broadcast, V4, src=OTHER_MAC,
                                   dst="ff:ff:ff:ff:ff:ff"))],
        counters=["public-interface/rxbcast 1"] + frames(0, 0),
        description="A subnet broadcast (192.0.2.255, broadcast MAC) on the public side is "
                    "counted as a broadcast and dropped.")
    mdns4 = udp_packet(V4, HOST[V4], "224.0.0.251", 100, sport=5353, dport=5353, ttl=255)
    yield dict(
        name="l2-ipv4-multicast-private",
        config=config(V4),
        private_in=[(0.0, to_private(mdns4, V4, src=OTHER_MAC, dst="01:00:5e:00:00:fb"))],
        counters=["private-interface/rxmcast 1", MAC_FILTER,
                  "private-dispatch/mac-errors 1"] + frames(0, 0),
        description="An mDNS datagram to 224.0.0.251 (multicast MAC) on the private side is "
                    "counted as multicast and neither tunnelled nor answered: the interface "
                    "does not listen to that group.")
    mdns6 = udp_packet(V6, "fe80::99", "ff02::fb", 100, sport=5353, dport=5353, ttl=255)
    yield dict(
        name="l2-ipv6-multicast-private",
        config=config(V6),
        private_in=[(0.0, to_private(mdns6, V6, src=OTHER_MAC, dst="33:33:00:00:00:fb"))],
        counters=["private-interface/rxmcast 1", MAC_FILTER,
                  "private-dispatch/mac-errors 1"] + frames(0, 0),
        description="An mDNS datagram to ff02::fb on the private side is counted as "
                    "multicast and neither tunnelled nor answered: the interface listens to "
                    "all-nodes and its solicited-node group only.")
    yield dict(
        name="l2-ipv4-multicast-public",
        config=config(V4),
        public_in=[(0.0, to_public(udp_packet(V4, "192.0.2.77", "224.0.0.251", 100,
                                              sport=5353, dport=5353, ttl=255),
                                   V4, src=OTHER_MAC, dst="01:00:5e:00:00:fb"))],
        counters=["public-interface/rxmcast 1", MAC_FILTER,
                  "public-dispatch/mac-errors 1"] + frames(0, 0),
        description="A multicast datagram on the public side is counted and dropped: the "
                    "interface does not listen to that group.")

    # Another station's MAC (issue 13, fault 2: these were tunnelled).
    yield dict(
        name="l2-foreign-mac-private",
        config=config(V4),
        private_in=[(0.0, to_private(udp_packet(V4, HOST[V4], tokyo4, 100), V4,
                                     dst=OTHER_MAC))],
        counters=[MAC_FILTER, "private-interface/rxpackets 1",
                  "private-dispatch/mac-errors 1", "private-router/route-errors 0"] +
        frames(0, 0),
        description="A unicast frame for another station's MAC, IP destination behind the "
                    "tunnel, is dropped and counted as a mac-error, never tunnelled (an "
                    "Ethernet endpoint takes only frames for its own MAC).")
    yield dict(
        name="l2-foreign-mac-public",
        config=config(V4),
        public_in=[(0.0, to_public(esp, V4, dst=OTHER_MAC))],
        counters=[MAC_FILTER, "public-interface/rxpackets 1",
                  "public-dispatch/mac-errors 1",
                  "inbound-sa[spi=2001][queue=1]/sa-state/decrypt-errors 0"] + frames(0, 0),
        description="Authentic ESP to the gateway's public address in a frame for another "
                    "station's MAC is dropped and counted as a mac-error, not decapsulated.")

    # IPv4 options.
    with_options = raw(IP(src=HOST[V4], dst=tokyo4, ttl=64, id=0x100,
                          options=[IPOption_Router_Alert()]) /
                       UDP(sport=4000, dport=5000) / Raw(payload(60)))
    yield dict(
        name="ipv4-options-forwarded",
        config=config(V4),
        private_in=[(0.0, to_private(with_options))],
        counters=["private-dispatch/protocol-errors 0"] + frames(0, 1),
        description="SPEC SILENT, recorded: an IPv4 packet with an option (router alert, "
                    "IHL 6) is tunnelled with its options, TTL decremented.")
    ping_options = raw(IP(src=HOST[V4], dst=PRIVATE_IP[V4], ttl=64, id=0x100,
                          options=[IPOption_Router_Alert()]) /
                       IP(echo_request(V4, HOST[V4], PRIVATE_IP[V4]))[1])
    yield dict(
        name="ipv4-options-echo-to-private-address",
        config=config(V4),
        private_in=[(0.0, to_private(ping_options))],
        counters=["private-icmp4/echo-request 1"] + frames(1, 0),
        description="An echo request with an IPv4 option (IHL 6) to the private address is "
                    "answered.")

    # Fragments.
    big = IP(src=HOST[V4], dst=tokyo4, ttl=64, id=0x4242) / UDP(sport=4000, dport=5000) / \
        Raw(payload(1200))
    fragments = [raw(p) for p in _fragment4(big, 600)]
    yield dict(
        name="ipv4-fragments-forwarded",
        config=config(V4),
        private_in=[(0.001 * k, to_private(p)) for k, p in enumerate(fragments)],
        counters=["private-dispatch/fragment-errors 0"] + frames(0, len(fragments)),
        description="SPEC SILENT, recorded: the %d fragments of a 1228-byte datagram to the "
                    "remote site are each tunnelled unchanged (no reassembly)." %
                    len(fragments))
    ping = IP(echo_request(V4, HOST[V4], PRIVATE_IP[V4], size=1000))
    ping.id = 0x4343
    ping_fragments = [raw(p) for p in _fragment4(IP(raw(ping)), 512)]
    yield dict(
        name="ipv4-fragments-to-private-address",
        config=config(V4),
        private_in=[(0.001 * k, to_private(p)) for k, p in enumerate(ping_fragments)],
        counters=[SILENT, "private-dispatch/fragment-errors %d" % len(ping_fragments),
                  "private-icmp4/echo-request 0"] + frames(0, 0),
        description="A fragmented echo request to the gateway's private address is not "
                    "reassembled: its fragments are dropped, unanswered.")
    esp_big = IP(scapy_esp(V4, udp_packet(V4, tokyo4, HOST[V4], 1200),
                           ROUTES["tokyo"]["inbound_spi"][1], 1,
                           ROUTES["tokyo"]["gateway"][1][V4], PUBLIC_IP[1][V4]))
    esp_big.id = 0x4444
    esp_fragments = [raw(p) for p in _fragment4(IP(raw(esp_big)), 600)]
    yield dict(
        name="ipv4-esp-fragments-to-public-address",
        config=config(V4),
        public_in=[(0.001 * k, to_public(p)) for k, p in enumerate(esp_fragments)],
        counters=[SILENT, "public-dispatch/fragment-errors %d" % len(esp_fragments)] +
        frames(0, 0),
        description="Outer-fragmented ESP to the public address is not reassembled: its "
                    "fragments are dropped.")
    frag6 = [raw(p) for p in _fragment6(udp_packet(V6, HOST[V6], tokyo6, 1240), 600)]
    yield dict(
        name="ipv6-fragments-forwarded",
        config=config(V6),
        private_in=[(0.001 * k, to_private(p, V6)) for k, p in enumerate(frag6)],
        counters=frames(0, len(frag6)),
        description="SPEC SILENT, recorded: the %d fragments (fragment header) of an IPv6 "
                    "datagram to the remote site are each tunnelled unchanged." % len(frag6))

    # Header checksum and lengths.
    good = udp_packet(V4, HOST[V4], tokyo4, 100)
    bad_checksum = bytearray(good)
    bad_checksum[10] ^= 0x01
    yield dict(
        name="ipv4-bad-header-checksum-private",
        config=config(V4),
        private_in=[(0.0, to_private(bytes(bad_checksum)))],
        counters=["private-dispatch/checksum-errors 1"] + frames(0, 0),
        description="A private-side IPv4 packet with a wrong header checksum is dropped and "
                    "counted as a checksum error.")
    esp_bad = bytearray(esp)
    esp_bad[10] ^= 0x01
    yield dict(
        name="ipv4-bad-header-checksum-public",
        config=config(V4),
        public_in=[(0.0, to_public(bytes(esp_bad)))],
        counters=["public-dispatch/checksum-errors 1",
                  "inbound-sa[spi=2001][queue=1]/sa-state/decrypt-errors 0"] + frames(0, 0),
        description="Authentic ESP in an outer IPv4 header with a wrong checksum is dropped "
                    "as a checksum error, before decryption.")
    too_long = bytearray(good)
    struct.pack_into("!H", too_long, 2, len(good) + 20)
    yield dict(
        name="ipv4-total-length-beyond-frame",
        config=config(V4),
        private_in=[(0.0, to_private(ipv4_fix_checksum(bytes(too_long))))],
        counters=[SILENT, "private-dispatch/rxerrors 1"] + frames(0, 0),
        description="An IPv4 packet whose total length (120) exceeds what the frame carries "
                    "(100) is dropped.")
    too_short = bytearray(good)
    struct.pack_into("!H", too_short, 2, 16)
    yield dict(
        name="ipv4-total-length-below-header",
        config=config(V4),
        private_in=[(0.0, to_private(ipv4_fix_checksum(bytes(too_short))))],
        counters=[SILENT, "private-dispatch/protocol-errors 1"] + frames(0, 0),
        description="An IPv4 packet whose total length (16) is less than its header (20) is "
                    "dropped.")
    ihl4 = bytearray(good)
    ihl4[0] = 0x44
    yield dict(
        name="ipv4-header-length-below-20",
        config=config(V4),
        private_in=[(0.0, to_private(bytes(ihl4)))],
        counters=[SILENT, "private-dispatch/protocol-errors 1"] + frames(0, 0),
        description="An IPv4 packet with IHL 4 (16-byte header) is dropped.")
    v6_in_v4 = bytearray(good)
    v6_in_v4[0] = 0x65
    yield dict(
        name="ipv4-wrong-version",
        config=config(V4),
        private_in=[(0.0, to_private(bytes(v6_in_v4)))],
        counters=[SILENT, "private-dispatch/protocol-errors 1"] + frames(0, 0),
        description="A frame of ethertype IPv4 whose header says version 6 is dropped.")
    good6 = udp_packet(V6, HOST[V6], tokyo6, 100)
    long6 = bytearray(good6)
    struct.pack_into("!H", long6, 4, 200)
    yield dict(
        name="ipv6-payload-length-beyond-frame",
        config=config(V6),
        private_in=[(0.0, to_private(bytes(long6), V6))],
        counters=[SILENT, "private-dispatch/rxerrors 1"] + frames(0, 0),
        description="An IPv6 packet whose payload length (200) exceeds what the frame "
                    "carries (60) is dropped.")
    yield dict(
        name="l2-runt-frame",
        config=config(V4),
        private_in=[(0.0, bytes.fromhex("02000001000102000001"))],
        counters=[SILENT, "private-dispatch/rxerrors 1"] + frames(0, 0),
        description="A 10-byte frame (shorter than an Ethernet header) is dropped.")
    yield dict(
        name="ipv4-truncated-header",
        config=config(V4),
        private_in=[(0.0, to_private(good[:16]))],
        counters=[SILENT, "private-dispatch/rxerrors 1"] + frames(0, 0),
        description="A frame of ethertype IPv4 carrying 16 bytes (less than an IPv4 "
                    "header) is dropped.")


def _fragment4(packet, size):
    """RFC 791 fragments of `packet` with `size`-byte fragment payloads
    (a multiple of 8), deterministic (Scapy's fragment() would do too)."""
    from scapy.layers.inet import fragment
    return fragment(packet, fragsize=size)


def _fragment6(packet_bytes, size):
    from scapy.layers.inet6 import fragment6
    p = IPv6(packet_bytes)
    p = IPv6(raw(p[IPv6].copy()))
    header = IPv6(src=p.src, dst=p.dst, hlim=p.hlim) / IPv6ExtHdrFragment(id=0x4545) / p.payload
    return fragment6(header, size + 48)
