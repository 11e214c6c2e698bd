"""The gateway's own addresses (PROTOCOL.md 4): ARP and Neighbor Discovery
for them, next hops resolved by ARP / ND (scripted replies and
--answer-neighbors), ping to each address, other protocols to them."""

from scapy.layers.inet6 import (ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                                ICMPv6NDOptSrcLLAddr, IPv6, in6_getnsma, in6_getnsmac)
from scapy.layers.l2 import ARP, Ether
from scapy.packet import raw
import socket

from dataplane import (V4, V6, HOST, OTHER_MAC, PRIVATE_IP, PRIVATE_MAC, PRIVATE_NEXTHOP_IP,
                       PRIVATE_NEXTHOP_MAC, PUBLIC_IP, PUBLIC_MAC, PUBLIC_NEXTHOP_IP,
                       PUBLIC_NEXTHOP_MAC, config, echo_request, esp_frame, fam, inbound_sa,
                       remote_host, tcp_packet, to_private, to_public, udp_packet)


def frames(private, public):
    return ["frames private-out %d" % private, "frames public-out %d" % public]


SILENT = "# spec silent on the counter: recorded from the gateway"
INTERPRETATION = ("# arp-requests / ns-requests: requests for the gateway's address it "
                  "answered; arp-replies / na-replies: next-hop answers learned "
                  "(the gateway's reading of the schema names)")


def arp_request(sender_mac, sender_ip, target_ip):
    return raw(Ether(src=sender_mac, dst="ff:ff:ff:ff:ff:ff") /
               ARP(op=1, hwsrc=sender_mac, psrc=sender_ip, hwdst="00:00:00:00:00:00",
                   pdst=target_ip))


def arp_reply(sender_mac, sender_ip, target_mac, target_ip):
    return raw(Ether(src=sender_mac, dst=target_mac) /
               ARP(op=2, hwsrc=sender_mac, psrc=sender_ip, hwdst=target_mac, pdst=target_ip))


def neighbor_solicitation(sender_mac, sender_ip, target_ip):
    group = in6_getnsma(socket.inet_pton(socket.AF_INET6, target_ip))
    group_text = socket.inet_ntop(socket.AF_INET6, group)
    return raw(Ether(src=sender_mac, dst=in6_getnsmac(group)) /
               IPv6(src=sender_ip, dst=group_text, hlim=255) /
               ICMPv6ND_NS(tgt=target_ip) / ICMPv6NDOptSrcLLAddr(lladdr=sender_mac))


def _dad_probe(sender_mac, target_ip):
    group = in6_getnsma(socket.inet_pton(socket.AF_INET6, target_ip))
    return raw(Ether(src=sender_mac, dst=in6_getnsmac(group)) /
               IPv6(src="::", dst=socket.inet_ntop(socket.AF_INET6, group), hlim=255) /
               ICMPv6ND_NS(tgt=target_ip))


def _unicast_solicitation(sender_mac, sender_ip, target_mac, target_ip):
    return raw(Ether(src=sender_mac, dst=target_mac) /
               IPv6(src=sender_ip, dst=target_ip, hlim=255) /
               ICMPv6ND_NS(tgt=target_ip) / ICMPv6NDOptSrcLLAddr(lladdr=sender_mac))


def neighbor_advertisement(sender_mac, sender_ip, target_mac, target_ip):
    return raw(Ether(src=sender_mac, dst=target_mac) /
               IPv6(src=sender_ip, dst=target_ip, hlim=255) /
               ICMPv6ND_NA(tgt=sender_ip, R=1, S=1, O=1) /
               ICMPv6NDOptDstLLAddr(lladdr=sender_mac))


def lldp():
    """A frame every switch sends (LLDP, to a group the gateway does not
    listen to: counted as mac-errors): starts the virtual clock without
    asking for anything."""
    return raw(Ether(src="02:00:00:00:11:11", dst="01:80:c2:00:00:0e", type=0x88CC)) + \
        bytes.fromhex("020704020000001111040302070106020078") + bytes(2)


def cases():
    # ARP (IPv4).
    yield dict(
        name="ipv4-arp-request-private-address",
        config=config(V4),
        private_in=[(0.0, arp_request(OTHER_MAC, "10.1.0.77", PRIVATE_IP[V4]))],
        counters=[INTERPRETATION, "private-next-hop/arp-requests 1",
                  "private-interface/rxbcast 1"] + frames(1, 0),
        description="An ARP request (broadcast) for the gateway's private address is "
                    "answered with the private interface's MAC, to the asker.")
    yield dict(
        name="ipv4-arp-request-public-address",
        config=config(V4),
        public_in=[(0.0, arp_request(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V4],
                                     PUBLIC_IP[1][V4]))],
        counters=[INTERPRETATION, "public-next-hop/arp-requests 1"] + frames(0, 1),
        description="An ARP request for the gateway's public address is answered with the "
                    "public interface's MAC.")
    yield dict(
        name="ipv4-arp-request-public-address-queue-2",
        config=config(V4, queues=2),
        public_in=[(0.0, arp_request(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V4],
                                     PUBLIC_IP[2][V4])),
                   (0.001, arp_request(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V4],
                                       PUBLIC_IP[1][V4]))],
        counters=[INTERPRETATION, "public-next-hop/arp-requests 2"] + frames(0, 2),
        description="ARP requests for the public addresses of queue 2 and queue 1 are each "
                    "answered with that queue's interface MAC.")
    yield dict(
        name="ipv4-arp-request-other-address",
        config=config(V4),
        private_in=[(0.0, arp_request(OTHER_MAC, "10.1.0.77", "10.1.0.78"))],
        public_in=[(0.0, arp_request(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V4], "192.0.2.99"))],
        counters=[INTERPRETATION, "private-next-hop/arp-requests 0",
                  "public-next-hop/arp-requests 0"] + frames(0, 0),
        description="ARP requests for addresses that are not the gateway's are not "
                    "answered, on either side.")
    yield dict(
        name="ipv4-nexthop-resolved-by-arp",
        config=config(V4, public_nexthop_mac=False),
        private_in=[(0.0, to_private(echo_request(V4, HOST[V4], PRIVATE_IP[V4]))),
                    (1.0, to_private(udp_packet(V4, HOST[V4], remote_host(V4), 100)))],
        public_in=[(0.5, arp_reply(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V4], PUBLIC_MAC[1],
                                   PUBLIC_IP[1][V4]))],
        counters=[INTERPRETATION, "public-next-hop/arp-replies 1",
                  "private-icmp4/echo-request 1"] + frames(1, 2),
        description="Without nexthop-mac the gateway asks for its public next hop by ARP at "
                    "start (t=0, the first frame being a ping answered on the private side); "
                    "the next hop replies at t=0.5; a packet tunnelled at t=1 goes to the "
                    "MAC learned (public-out: the ARP request, then the ESP).")
    yield dict(
        name="ipv4-nexthop-answer-neighbors",
        config=config(V4, private_nexthop_mac=False, public_nexthop_mac=False),
        options="--answer-neighbors",
        private_in=[(0.0, lldp()),
                    (1.0, to_private(udp_packet(V4, HOST[V4], remote_host(V4), 100)))],
        public_in=[(1.0, esp_frame(V4, udp_packet(V4, remote_host(V4), HOST[V4], 100), 1))],
        counters=[INTERPRETATION, "public-next-hop/arp-replies 1",
                  "private-next-hop/arp-replies 1"] + frames(2, 2),
        description="With --answer-neighbors, the ARP requests the gateway sends at start for "
                    "both next hops are answered (5a:bb:...); at t=1 a packet each way goes "
                    "to the learned MACs (each output: ARP request, then the packet).")

    # Neighbor Discovery (IPv6).
    yield dict(
        name="ipv6-nd-solicit-private-address",
        config=config(V6),
        private_in=[(0.0, neighbor_solicitation(OTHER_MAC, "2001:db8:1::77", PRIVATE_IP[V6]))],
        counters=[INTERPRETATION, "private-next-hop/ns-requests 1",
                  "private-interface/rxmcast 1"] + frames(1, 0),
        description="A neighbor solicitation (to the solicited-node group) for the "
                    "gateway's private address is answered with a neighbor advertisement "
                    "carrying the private MAC.")
    yield dict(
        name="ipv6-nd-solicit-public-address",
        config=config(V6),
        public_in=[(0.0, neighbor_solicitation(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V6],
                                               PUBLIC_IP[1][V6]))],
        counters=[INTERPRETATION, "public-next-hop/ns-requests 1"] + frames(0, 1),
        description="A neighbor solicitation for the gateway's public address is answered "
                    "with a neighbor advertisement carrying the public MAC.")
    yield dict(
        name="ipv6-nd-solicit-public-address-queue-2",
        config=config(V6, queues=2),
        public_in=[(0.0, neighbor_solicitation(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V6],
                                               PUBLIC_IP[2][V6]))],
        counters=[INTERPRETATION, "public-next-hop/ns-requests 1"] + frames(0, 1),
        description="A neighbor solicitation for queue 2's public address is answered with "
                    "queue 2's interface MAC.")
    yield dict(
        name="ipv6-nd-solicit-unicast-public-address-queue-2",
        config=config(V6, queues=2),
        public_in=[(0.0, _unicast_solicitation(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V6],
                                               PUBLIC_MAC[2], PUBLIC_IP[2][V6]))],
        counters=[INTERPRETATION, "public-next-hop/ns-requests 1"] + frames(0, 1),
        description="A unicast neighbor solicitation (neighbor unreachability detection: to "
                    "queue 2's MAC and address) for queue 2's public address is answered "
                    "with queue 2's interface MAC.")
    yield dict(
        name="ipv6-nd-dad-probe-for-private-address",
        config=config(V6),
        private_in=[(0.0, _dad_probe(OTHER_MAC, PRIVATE_IP[V6]))],
        counters=["# RFC 4861 7.2.4: a solicitation from :: (duplicate address detection) "
                  "for an address the node has is answered, multicast to ff02::1, S=0"] +
        frames(1, 0),
        description="A duplicate-address-detection probe (source ::, no link-layer option) "
                    "for the gateway's private address is answered by a neighbor "
                    "advertisement to all-nodes (RFC 4861 7.2.4): the gateway defends its "
                    "address.")
    yield dict(
        name="ipv6-nd-solicit-other-address",
        config=config(V6),
        private_in=[(0.0, neighbor_solicitation(OTHER_MAC, "2001:db8:1::77", "2001:db8:1::78"))],
        counters=[INTERPRETATION, "private-next-hop/ns-requests 0"] + frames(0, 0),
        description="A neighbor solicitation for an address that is not the gateway's is "
                    "not answered.")
    yield dict(
        name="ipv6-nexthop-resolved-by-nd",
        config=config(V6, public_nexthop_mac=False),
        private_in=[(0.0, to_private(echo_request(V6, HOST[V6], PRIVATE_IP[V6]), V6)),
                    (1.0, to_private(udp_packet(V6, HOST[V6], remote_host(V6), 100), V6))],
        public_in=[(0.5, neighbor_advertisement(PUBLIC_NEXTHOP_MAC, PUBLIC_NEXTHOP_IP[V6],
                                                PUBLIC_MAC[1], PUBLIC_IP[1][V6]))],
        counters=[INTERPRETATION, "public-next-hop/na-replies 1",
                  "private-icmp6/echo-request 1"] + frames(1, 2),
        description="Without nexthop-mac the gateway solicits its public next hop at start; "
                    "the advertisement at t=0.5 resolves it; a packet tunnelled at t=1 goes "
                    "to the MAC learned (public-out: the solicitation, then the ESP).")
    yield dict(
        name="ipv6-nexthop-answer-neighbors",
        config=config(V6, private_nexthop_mac=False, public_nexthop_mac=False),
        options="--answer-neighbors",
        private_in=[(0.0, lldp()),
                    (1.0, to_private(udp_packet(V6, HOST[V6], remote_host(V6), 100), V6))],
        public_in=[(1.0, esp_frame(V6, udp_packet(V6, remote_host(V6), HOST[V6], 100), 1))],
        counters=[INTERPRETATION, "public-next-hop/na-replies 1",
                  "private-next-hop/na-replies 1"] + frames(2, 2),
        description="With --answer-neighbors, the solicitations the gateway sends at start "
                    "for both next hops are answered; at t=1 a packet each way goes to the "
                    "learned MACs (each output: solicitation, then the packet).")

    # Ping each address, and other protocols to them.
    for f in (V4, V6):
        n = fam(f)
        i = "icmp%d" % f
        yield dict(
            name="%s-ping-private-address" % n,
            config=config(f),
            private_in=[(0.0, to_private(echo_request(f, HOST[f], PRIVATE_IP[f], seq=1), f)),
                        (0.001, to_private(echo_request(f, HOST[f], PRIVATE_IP[f], seq=2,
                                                        size=1000), f))],
            counters=["private-%s/echo-request 2" % i] + frames(2, 0),
            description="Echo requests from the private side to the gateway's private "
                        "address are answered (same identifier, sequence and data).")
        yield dict(
            name="%s-ping-public-address" % n,
            config=config(f),
            public_in=[(0.0, to_public(echo_request(f, "203.0.113.5" if f == V4 else
                                                    "2001:db8:f00::5", PUBLIC_IP[1][f]), f))],
            counters=["public-%s/echo-request 1" % i] + frames(0, 1),
            description="An echo request from the internet to the gateway's public address is "
                        "answered in clear on the public side.")
        yield dict(
            name="%s-ping-public-address-queue-2" % n,
            config=config(f, queues=2),
            public_in=[(0.0, to_public(echo_request(f, "203.0.113.5" if f == V4 else
                                                    "2001:db8:f00::5", PUBLIC_IP[2][f]), f,
                                       queue=2))],
            counters=["public-%s/echo-request 1" % i] + frames(0, 1),
            description="An echo request to queue 2's public address is answered from "
                        "queue 2's interface.")
        yield dict(
            name="%s-ping-private-address-through-tunnel" % n,
            config=config(f),
            public_in=[(0.0, esp_frame(f, echo_request(f, remote_host(f), PRIVATE_IP[f]), 1))],
            counters=["inbound-%s/echo-request 1" % i,
                      inbound_sa() + "/sa-state/decrypt-errors 0"] + frames(0, 1),
            description="An echo request from the remote site through the tunnel to the "
                        "gateway's private address is answered back through the tunnel.")
        yield dict(
            name="%s-udp-to-private-address" % n,
            config=config(f),
            private_in=[(0.0, to_private(udp_packet(f, HOST[f], PRIVATE_IP[f], 80,
                                                    dport=53), f))],
            counters=[SILENT, "private-dispatch/protocol-errors 1"] + frames(0, 0),
            description="A UDP datagram to the gateway's private address is dropped "
                        "unanswered (only ICMP is served; the spec asks for no port "
                        "unreachable).")
        yield dict(
            name="%s-tcp-to-public-address" % n,
            config=config(f),
            public_in=[(0.0, to_public(tcp_packet(f, "203.0.113.5" if f == V4 else
                                                  "2001:db8:f00::5", PUBLIC_IP[1][f]), f))],
            counters=[SILENT, "public-dispatch/protocol-errors 1"] + frames(0, 0),
            description="A TCP SYN to the gateway's public address is dropped unanswered.")
        yield dict(
            name="%s-udp-to-private-address-through-tunnel" % n,
            config=config(f),
            public_in=[(0.0, esp_frame(f, udp_packet(f, remote_host(f), PRIVATE_IP[f], 80,
                                                     dport=53), 1))],
            counters=[SILENT, "inbound-%s/protocol-errors 1" % i] + frames(0, 0),
            description="A UDP datagram through the tunnel to the gateway's private address "
                        "is dropped unanswered.")
    yield dict(
        name="ipv4-udp-303-to-public-address-data-plane",
        config=config(V4),
        public_in=[(0.0, to_public(udp_packet(V4, ROUTES_GATEWAY(), PUBLIC_IP[1][V4], 44,
                                              sport=303, dport=303)))],
        counters=[SILENT, "public-dispatch/protocol-errors 1",
                  "key-manager/protocol-errors 0"] + frames(0, 0),
        description="A data-plane gateway runs no key exchange: a UDP datagram to port 303 "
                    "of its public address is dropped unanswered.")


def ROUTES_GATEWAY():
    from dataplane import ROUTES
    return ROUTES["tokyo"]["gateway"][1][V4]
