#define BOOST_TEST_MODULE worker_bad_input
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

struct Expected {
  std::uint64_t rxerrors = 0, ethertype = 0, protocol = 0, fragment = 0, checksum = 0;
};

void check_dispatch(const state::DispatchCounters& c, const Expected& e) {
  BOOST_TEST(c.rxerrors == e.rxerrors);
  BOOST_TEST(c.ethertype_errors == e.ethertype);
  BOOST_TEST(c.protocol_errors == e.protocol);
  BOOST_TEST(c.fragment_errors == e.fragment);
  BOOST_TEST(c.checksum_errors == e.checksum);
}

Bytes prefix_of(const Bytes& b, std::size_t n) {
  return Bytes(b.begin(), b.begin() + static_cast<long>(n));
}

}  // namespace

BOOST_AUTO_TEST_CASE(truncated_frames_of_every_length_are_dropped) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes forward = lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(200)));
      const Bytes ping = lan_frame(p, echo_request(p.host_ip, p.private_ip, 1, 1, pattern(30)));
      const Bytes esp =
          tunnel_frame(p, t, peer.seal(udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(200))));
      for (std::size_t n = 0; n < forward.size(); ++n)
        h.send_private(prefix_of(forward, n));
      for (std::size_t n = 0; n < ping.size(); ++n)
        h.send_private(prefix_of(ping, n));
      for (std::size_t n = 0; n < esp.size(); ++n)
        h.send_public(prefix_of(esp, n));
      h.run();
      BOOST_TEST(h.take_private().empty());
      BOOST_TEST(h.take_public().empty());
      // Shorter than the Ethernet header or than the stated IP length.
      check_dispatch(h.worker().private_dispatch(), {forward.size() + ping.size(), 0, 0, 0, 0});
      check_dispatch(h.worker().public_dispatch(), {esp.size(), 0, 0, 0, 0});
      BOOST_TEST(h.worker().private_icmp()[state::IcmpCounters::kEchoRequest] == 0u);
      BOOST_TEST(h.worker().public_router().route_errors == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
      // The complete frames still pass afterwards.
      h.send_private(forward);
      h.send_public(esp);
      h.run();
      BOOST_TEST(h.take_private().size() == 1u);
      BOOST_TEST(h.take_public().size() == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(truncated_arp_is_dropped) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  const Bytes arp = arp_frame(net::kBroadcastMac, p.private_nexthop_mac, 1, p.private_nexthop_mac,
                              p.private_nexthop_ip, net::Mac{}, p.private_ip);
  for (std::size_t n = 0; n < arp.size(); ++n)
    h.send_private(prefix_of(arp, n));
  Bytes bad_hardware = arp;
  bad_hardware[15] = 6;  // hardware type 6
  h.send_private(bad_hardware);
  h.run();
  BOOST_TEST(h.take_private().empty());
  check_dispatch(h.worker().private_dispatch(), {14, 0, 0, 0, 0});
  BOOST_TEST(h.worker().private_next_hop().arp_errors == arp.size() - 14 + 1);
  BOOST_TEST(h.worker().private_next_hop().arp_requests == 0u);
}

BOOST_AUTO_TEST_CASE(truncated_esp_is_dropped_and_counted) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes esp = peer.seal(udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(41)));
      std::uint64_t unknown = 0, short_esp = 0, unauthentic = 0;
      // Consistent outer headers around every prefix of the ESP payload.
      for (std::size_t n = 0; n < esp.size(); ++n) {
        h.send_public(tunnel_frame(p, t, prefix_of(esp, n)));
        if (n < 4)
          ++unknown;
        else if (n < 16 + 2 + 16 || n % 4 != 0)
          ++short_esp;
        else
          ++unauthentic;
      }
      h.run();
      BOOST_TEST(h.take_private().empty());
      BOOST_TEST(h.take_public().empty());
      check_dispatch(h.worker().public_dispatch(), {});
      esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
      BOOST_TEST(h.worker().public_router().route_errors == unknown);
      BOOST_TEST(sa->counters.rxerrors == short_esp);
      BOOST_TEST(sa->counters.decrypt_errors == unauthentic);
      BOOST_TEST(sa->counters.protocol_errors == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(foreign_ethertypes_and_the_other_family_are_dropped) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      const Site other_p = paris(is_ipv4(f) ? Family::kIpv6 : Family::kIpv4);
      const Site other_t = tokyo(is_ipv4(f) ? Family::kIpv6 : Family::kIpv4);
      GatewayHarness h(site_config(p, t));
      const Bytes payload = pattern(60);
      for (const int ethertype : {0x88cc, 0x8100, 0x0000, 0xffff})
        for (int side = 0; side < 2; ++side) {
          const Bytes frame =
              ethernet_frame(side == 0 ? p.private_mac : p.public_mac,
                             side == 0 ? p.private_nexthop_mac : p.public_nexthop_mac,
                             static_cast<std::uint16_t>(ethertype), payload);
          if (side == 0)
            h.send_private(frame);
          else
            h.send_public(frame);
        }
      // A packet of the other family with its own ethertype.
      h.send_private(
          lan_frame(other_p, udp_packet(other_p.host_ip, other_t.host_ip, 1, 2, payload)));
      h.send_public(
          wan_frame(other_p, echo_request(other_t.public_ip, other_p.public_ip, 1, 1, payload)));
      // ARP on an IPv6 gateway is a foreign ethertype too.
      if (!is_ipv4(f))
        h.send_private(arp_frame(net::kBroadcastMac, p.private_nexthop_mac, 1,
                                 p.private_nexthop_mac, ip("10.1.0.2"), net::Mac{},
                                 ip("10.1.0.1")));
      // The family's ethertype over a header of the other version: malformed.
      Bytes mislabelled =
          ethernet_frame(p.private_mac, p.private_nexthop_mac,
                         is_ipv4(f) ? net::kEthertypeIpv4 : net::kEthertypeIpv6,
                         udp_packet(other_p.host_ip, other_t.host_ip, 1, 2, payload));
      h.send_private(mislabelled);
      h.run();
      BOOST_TEST(h.take_private().empty());
      BOOST_TEST(h.take_public().empty());
      const std::uint64_t arp_foreign = is_ipv4(f) ? 0 : 1;
      // The mislabelled header fails the version check: a protocol error.
      check_dispatch(h.worker().private_dispatch(), {0, 5 + arp_foreign, 1, 0, 0});
      check_dispatch(h.worker().public_dispatch(), {0, 5, 0, 0, 0});
      BOOST_TEST(h.worker().private_next_hop().arp_requests == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

// Issue 13, fault 2: a frame on the private LAN for another station's MAC
// was tunnelled. Only the interface's MAC, broadcast and the multicast
// groups it listens to are taken; the rest is counted as mac-errors.
BOOST_AUTO_TEST_CASE(frames_for_another_mac_are_dropped_counted_and_never_tunnelled) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      const net::Mac other = mac("02:00:00:01:00:99");
      const net::Mac group =
          is_ipv4(f) ? mac("01:00:5e:00:00:fb") : mac("33:33:00:00:00:fb");  // mDNS
      const Bytes out = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(100));
      const Bytes ping = echo_request(p.host_ip, p.private_ip, 1, 1, pattern(30));
      const Bytes in = peer.seal(udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(100)));
      for (const net::Mac& destination : {other, group}) {
        h.send_private(ip_frame(destination, p.private_nexthop_mac, out));
        h.send_private(ip_frame(destination, p.private_nexthop_mac, ping));
        h.send_public(esp_frame(destination, p.public_nexthop_mac, t.public_ip, p.public_ip, in));
      }
      // Neighbor discovery for another MAC is not the gateway's either.
      if (is_ipv4(f))
        h.send_private(arp_frame(other, p.private_nexthop_mac, 1, p.private_nexthop_mac,
                                 p.private_nexthop_ip, net::Mac{}, p.private_ip));
      else
        h.send_private(ip_frame(other, p.private_nexthop_mac,
                                neighbor_solicitation(p.private_nexthop_ip, p.private_ip,
                                                      p.private_ip, p.private_nexthop_mac)));
      // IPv6: the solicited-node group of another address is not listened to.
      std::uint64_t groups = 0;
      if (!is_ipv4(f)) {
        const net::Address elsewhere = solicited_node(ip("2001:db8:1::99"));
        h.send_private(
            ip_frame(multicast_mac(elsewhere), p.private_nexthop_mac,
                     neighbor_solicitation(p.private_nexthop_ip, elsewhere, ip("2001:db8:1::99"),
                                           p.private_nexthop_mac)));
        groups = 1;
      }
      h.run();
      BOOST_TEST(h.take_public().empty());  // nothing tunnelled
      BOOST_TEST(h.take_private().empty());
      BOOST_TEST(h.worker().private_dispatch().mac_errors == 5u + groups);
      BOOST_TEST(h.worker().public_dispatch().mac_errors == 2u);
      check_dispatch(h.worker().private_dispatch(), {});
      check_dispatch(h.worker().public_dispatch(), {});
      BOOST_TEST(h.worker().private_icmp()[state::IcmpCounters::kEchoRequest] == 0u);
      BOOST_TEST(h.worker().private_next_hop().arp_requests == 0u);
      BOOST_TEST(h.worker().sas().inbound(t.outbound.spi)->counters.decrypt_errors == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());

      // The same packets for the interface's MAC pass.
      h.send_private(lan_frame(p, out));
      h.send_private(lan_frame(p, ping));
      h.send_public(tunnel_frame(p, t, in));
      h.run();
      BOOST_TEST(h.take_public().size() == 1u);
      BOOST_TEST(h.take_private().size() == 2u);  // the echo reply and the decapsulated packet
      BOOST_TEST(h.worker().private_dispatch().mac_errors == 5u + groups);
      BOOST_TEST(h.worker().public_dispatch().mac_errors == 2u);
    }
  }
}

BOOST_AUTO_TEST_CASE(broadcast_and_the_neighbor_discovery_groups_are_taken) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      SiteOptions o;
      o.static_private_nexthop = false;
      GatewayHarness h(site_config(p, t, o));
      h.run();
      BOOST_TEST(h.take_private().size() == 1u);  // the solicitation of the next hop
      const net::Mac router = mac("02:77:00:00:00:02");
      if (is_ipv4(f)) {
        // A broadcast ARP request for the gateway is answered; the router's
        // reply to the gateway's request (unicast) is learned.
        h.send_private(arp_frame(net::kBroadcastMac, router, 1, router, p.private_nexthop_ip,
                                 net::Mac{}, p.private_ip));
        h.send_private(arp_frame(p.private_mac, router, 2, router, p.private_nexthop_ip,
                                 p.private_mac, p.private_ip));
      } else {
        // A solicitation to the gateway address's solicited-node group is
        // answered; an advertisement of the next hop to all nodes (with
        // Override) is learned.
        const net::Address group = solicited_node(p.private_ip);
        h.send_private(
            ip_frame(multicast_mac(group), router,
                     neighbor_solicitation(p.private_nexthop_ip, group, p.private_ip, router)));
        const net::Address all_nodes = ip("ff02::1");
        h.send_private(ip_frame(multicast_mac(all_nodes), router,
                                neighbor_advertisement(p.private_nexthop_ip, all_nodes,
                                                       p.private_nexthop_ip, 0x20000000u, router)));
      }
      // Ping to the gateway's address as a broadcast frame: answered.
      h.send_private(ip_frame(net::kBroadcastMac, router,
                              echo_request(p.host_ip, p.private_ip, 1, 1, pattern(30))));
      // A packet to forward as a broadcast frame: not forwarded (RFC 1812
      // 5.3.4), counted.
      h.send_private(ip_frame(net::kBroadcastMac, router,
                              udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(40))));
      h.run();
      BOOST_TEST(h.worker().private_dispatch().mac_errors == 1u);
      BOOST_TEST(h.worker().private_icmp()[state::IcmpCounters::kEchoRequest] == 1u);
      BOOST_TEST(h.worker().private_next_hop().arp_requests == 1u);
      const std::vector<Bytes> answers = h.take_private();
      BOOST_TEST(answers.size() == 2u);  // ARP reply / advertisement, echo reply
      for (const Bytes& answer : answers)
        BOOST_TEST(parse_ethernet(answer)->source.to_string() == p.private_mac.to_string());
      BOOST_TEST(h.take_public().empty());
      BOOST_TEST(h.worker().private_next_hop().arp_replies == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_ipv4_headers_are_dropped) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  EspPeer peer(t.outbound, p.outbound);
  const Bytes good = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(100));
  IpOptions bad_sum;
  bad_sum.bad_checksum = true;
  // Bad header checksum, both sides (ESP and ICMP on the public side).
  h.send_private(lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(100), bad_sum)));
  h.send_private(lan_frame(p, echo_request(p.host_ip, p.private_ip, 1, 1, pattern(8), bad_sum)));
  h.send_public(
      tunnel_frame(p, t, peer.seal(udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(9))), bad_sum));
  // IHL below 5; total length below the header length (checksums fixed up).
  Bytes low_ihl = good;
  low_ihl[0] = 0x44;
  Bytes short_total = good;
  short_total[2] = 0;
  short_total[3] = 19;
  for (Bytes* b : {&low_ihl, &short_total}) {
    (*b)[10] = (*b)[11] = 0;
    net::store16(b->data() + 10, net::checksum(b->data(), 20));
    h.send_private(lan_frame(p, *b));
  }
  h.run();
  BOOST_TEST(h.take_private().empty());
  BOOST_TEST(h.take_public().empty());
  check_dispatch(h.worker().private_dispatch(), {0, 0, 2, 0, 2});
  check_dispatch(h.worker().public_dispatch(), {0, 0, 0, 0, 1});
  BOOST_TEST(h.worker().sas().inbound(t.outbound.spi)->window().highest() == 0u);
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(ipv4_options_are_legal_and_forwarded) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  EspPeer peer(t.outbound, p.outbound);
  IpOptions o;
  o.ipv4_options = {0x01, 0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0};  // NOP NOP record-route(7)
  const Bytes out_packet = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(90), o);
  const Bytes in_packet = udp_packet(t.host_ip, p.host_ip, 2, 1, pattern(70), o);
  BOOST_TEST_REQUIRE(out_packet[0] == 0x48);
  h.send_private(lan_frame(p, out_packet));
  // ESP whose outer header carries options too.
  h.send_public(tunnel_frame(p, t, peer.seal(in_packet), o));
  // Ping of the private address with options.
  h.send_private(lan_frame(p, echo_request(p.host_ip, p.private_ip, 5, 6, pattern(20), o)));
  h.run();
  const std::vector<Bytes> wan = h.take_public();
  BOOST_TEST_REQUIRE(wan.size() == 1u);
  const auto opened = peer.open_frame(wan[0]);
  BOOST_TEST_REQUIRE(opened.has_value());
  BOOST_TEST(opened->inner == with_ttl(out_packet, 63));
  const std::vector<Bytes> lan = h.take_private();
  // The echo reply (private input is handled first), then the decapsulated packet.
  BOOST_TEST_REQUIRE(lan.size() == 2u);
  BOOST_TEST(parse_ethernet(lan[1])->payload == with_ttl(in_packet, 63));
  const auto reply = parse_ip_frame(lan[0]);
  BOOST_TEST_REQUIRE(reply.has_value());
  BOOST_TEST(reply->header_checksum_ok);
  BOOST_TEST(reply->header_length == 32u);
  BOOST_TEST(parse_icmp(*reply)->type == 0);
  BOOST_TEST(parse_icmp(*reply)->checksum_ok);
  check_dispatch(h.worker().private_dispatch(), {});
  check_dispatch(h.worker().public_dispatch(), {});
}

BOOST_AUTO_TEST_CASE(fragments_for_the_gateway_are_dropped_transit_fragments_forwarded) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      IpOptions first, later;
      first.more_fragments = true;
      first.identification = 99;
      later.fragment_offset = 10;
      later.identification = 99;
      first.ipv6_fragment_header = later.ipv6_fragment_header = !is_ipv4(f);
      // To the gateway's own addresses.
      h.send_private(lan_frame(p, echo_request(p.host_ip, p.private_ip, 1, 1, pattern(64), first)));
      h.send_private(lan_frame(p, echo_request(p.host_ip, p.private_ip, 1, 1, pattern(64), later)));
      h.send_public(wan_frame(p, echo_request(t.public_ip, p.public_ip, 1, 1, pattern(64), first)));
      // ESP fragments.
      const Bytes esp = peer.seal(udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(64)));
      h.send_public(tunnel_frame(p, t, esp, first));
      h.send_public(tunnel_frame(p, t, esp, later));
      // In transit: the tunnel carries fragments unchanged.
      const Bytes transit = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(64), first);
      h.send_private(lan_frame(p, transit));
      h.run();
      BOOST_TEST(h.take_private().empty());
      const std::vector<Bytes> wan = h.take_public();
      BOOST_TEST_REQUIRE(wan.size() == 1u);
      BOOST_TEST(peer.open_frame(wan[0])->inner == with_ttl(transit, 63));
      check_dispatch(h.worker().private_dispatch(), {0, 0, 0, 2, 0});
      check_dispatch(h.worker().public_dispatch(), {0, 0, 0, 3, 0});
      BOOST_TEST(h.worker().sas().inbound(t.outbound.spi)->window().highest() == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(expiring_and_oversize_packets_never_reach_the_tunnel) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      SiteOptions so;
      so.mtu = 1000;
      GatewayHarness h(site_config(p, t, so));
      EspPeer peer(t.outbound, p.outbound);
      for (const int ttl : {0, 1}) {
        IpOptions o;
        o.ttl = static_cast<std::uint8_t>(ttl);
        h.send_private(lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(50), o)));
        h.send_public(
            tunnel_frame(p, t, peer.seal(udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(50), o))));
      }
      h.send_private(lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(2000))));
      // Ethernet padding after the IP packet is trimmed, not forwarded.
      const Bytes padded_packet = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(10));
      Bytes padded = lan_frame(p, padded_packet);
      padded.resize(padded.size() + 30, 0xee);
      h.send_private(padded);
      h.run();
      const std::vector<Bytes> wan = h.take_public();
      // The padded packet (private input is handled first), then two Time
      // Exceeded for the far side.
      BOOST_TEST_REQUIRE(wan.size() == 3u);
      BOOST_TEST(peer.open_frame(wan[0])->inner == with_ttl(padded_packet, 63));
      for (std::size_t i = 1; i < 3; ++i) {
        const auto opened = peer.open_frame(wan[i]);
        BOOST_TEST_REQUIRE(opened->status == esp::DecryptStatus::kOk);
        const auto inner = parse_ip(opened->inner);
        BOOST_TEST_REQUIRE(inner.has_value());
        const auto m = parse_icmp(*inner);
        BOOST_TEST_REQUIRE(m.has_value());
        BOOST_TEST(m->type == (is_ipv4(f) ? 11 : 3));
        BOOST_TEST(m->checksum_ok);
      }
      // Two Time Exceeded and one too-big error towards the LAN.
      const std::vector<Bytes> lan = h.take_private();
      BOOST_TEST_REQUIRE(lan.size() == 3u);
      BOOST_TEST(parse_icmp(*parse_ip_frame(lan[2]))->type == (is_ipv4(f) ? 3 : 2));
      BOOST_TEST(h.worker().private_router().mtu_errors == 1u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(unknown_spi_and_wrong_destination_on_the_public_side) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  esp::SaParameters stranger = t.outbound;
  stranger.spi = 7777;
  EspPeer other(stranger, p.outbound);
  EspPeer peer(t.outbound, p.outbound);
  const Bytes inner = udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(30));
  h.send_public(tunnel_frame(p, t, other.seal(inner)));
  // ESP for another address, and TCP / UDP to ours.
  h.send_public(esp_frame(p.public_mac, p.public_nexthop_mac, t.public_ip, ip("192.0.2.99"),
                          peer.seal(inner)));
  h.send_public(wan_frame(p, ip_packet(t.public_ip, p.public_ip, 6, pattern(20))));
  h.send_public(wan_frame(p, udp_packet(t.public_ip, p.public_ip, 303, 303, pattern(20))));
  h.run();
  BOOST_TEST(h.take_private().empty());
  BOOST_TEST(h.take_public().empty());
  BOOST_TEST(h.worker().public_router().route_errors == 1u);
  check_dispatch(h.worker().public_dispatch(), {0, 0, 3, 0, 0});
  // A private-side packet with no route.
  h.send_private(lan_frame(p, udp_packet(p.host_ip, ip("172.16.0.1"), 1, 2, pattern(20))));
  h.run();
  BOOST_TEST(h.take_public().empty());
  BOOST_TEST(h.worker().private_router().route_errors == 1u);
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(replayed_and_out_of_window_sequence_numbers_are_dropped) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  EspPeer peer(t.outbound, p.outbound);
  esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
  auto send = [&](std::uint64_t sequence, std::uint8_t tag) {
    h.send_public(tunnel_frame(
        p, t, peer.seal_at(sequence, udp_packet(t.host_ip, p.host_ip, 1, tag, pattern(20)), 4)));
    h.run();
    return h.take_private().size();
  };
  BOOST_TEST(send(5, 1) == 1u);
  BOOST_TEST(send(5, 2) == 0u);  // replay
  BOOST_TEST(sa->counters.decrypt_errors == 1u);
  BOOST_TEST(send(5000, 3) == 1u);
  BOOST_TEST(send(4990, 4) == 1u);  // late but inside the window
  BOOST_TEST(send(4990, 5) == 0u);  // replay inside the window
  BOOST_TEST(send(3000, 6) == 0u);  // left of the window
  BOOST_TEST(send(5, 7) == 0u);
  BOOST_TEST(sa->counters.decrypt_errors == 4u);
  // Beyond 2^32: the high half is reconstructed.
  BOOST_TEST(send((std::uint64_t{1} << 32) + 3, 8) == 1u);
  BOOST_TEST(sa->window().highest() == (std::uint64_t{1} << 32) + 3);
  BOOST_TEST(sa->counters.decrypt_errors == 4u);
  BOOST_TEST(sa->counters.protocol_errors == 0u);
  BOOST_TEST(h.take_public().empty());
}

BOOST_AUTO_TEST_CASE(bad_icv_is_dropped_without_moving_the_window) {
  const Site p = paris(Family::kIpv6), t = tokyo(Family::kIpv6);
  GatewayHarness h(site_config(p, t));
  EspPeer peer(t.outbound, p.outbound);
  esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
  const Bytes inner = udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(40));
  const Bytes esp = peer.seal_at(9, inner, 41);
  // Flip one bit in the ciphertext, the ICV, the sequence number, the IV.
  for (const std::size_t at : {std::size_t{20}, esp.size() - 1, std::size_t{7}, std::size_t{9}}) {
    Bytes bad = esp;
    bad[at] ^= 0x10;
    h.send_public(tunnel_frame(p, t, bad));
  }
  h.run();
  BOOST_TEST(h.take_private().empty());
  BOOST_TEST(sa->counters.decrypt_errors == 4u);
  BOOST_TEST(sa->window().highest() == 0u);
  h.send_public(tunnel_frame(p, t, esp));
  h.run();
  const std::vector<Bytes> lan = h.take_private();
  BOOST_TEST_REQUIRE(lan.size() == 1u);
  BOOST_TEST(parse_ethernet(lan[0])->payload == with_ttl(inner, 63));
}

BOOST_AUTO_TEST_CASE(bad_trailers_and_inner_packets_count_as_sa_protocol_errors) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      const Site other_p = paris(is_ipv4(f) ? Family::kIpv6 : Family::kIpv4);
      const Site other_t = tokyo(is_ipv4(f) ? Family::kIpv6 : Family::kIpv4);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
      const Bytes inner = udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(38));
      const std::uint8_t nh = is_ipv4(f) ? 4 : 41;
      std::uint64_t seq = 1;
      // pad_length larger than the plaintext.
      Bytes plaintext = inner;
      plaintext.push_back(200);
      plaintext.push_back(nh);
      while (plaintext.size() % 4 != 0)
        plaintext.insert(plaintext.begin() + static_cast<long>(inner.size()), 0);
      plaintext[plaintext.size() - 2] = 250;
      h.send_public(tunnel_frame(p, t, peer.seal_plaintext(seq++, plaintext)));
      // Next header neither 4 nor 41, and the other family's next header.
      h.send_public(tunnel_frame(p, t, peer.seal_at(seq++, inner, 99)));
      h.send_public(tunnel_frame(p, t, peer.seal_at(seq++, inner, is_ipv4(f) ? 41 : 4)));
      // The other family's packet, honestly labelled.
      h.send_public(tunnel_frame(
          p, t,
          peer.seal_at(seq++, udp_packet(other_t.host_ip, other_p.host_ip, 1, 2, pattern(38)),
                       is_ipv4(f) ? 41 : 4)));
      // Inner packets too short for their header, or for their stated length.
      h.send_public(tunnel_frame(p, t, peer.seal_at(seq++, prefix_of(inner, 10), nh)));
      h.send_public(
          tunnel_frame(p, t, peer.seal_at(seq++, prefix_of(inner, inner.size() - 1), nh)));
      // An empty inner packet.
      h.send_public(tunnel_frame(p, t, peer.seal_at(seq++, Bytes{}, nh)));
      // Bad inner IPv4 header checksum.
      if (is_ipv4(f)) {
        IpOptions bad;
        bad.bad_checksum = true;
        h.send_public(tunnel_frame(
            p, t,
            peer.seal_at(seq++, udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(8), bad), nh)));
      }
      h.run();
      BOOST_TEST(h.take_private().empty());
      BOOST_TEST(h.take_public().empty());
      BOOST_TEST(sa->counters.protocol_errors == seq - 1);
      BOOST_TEST(sa->counters.decrypt_errors == 0u);
      BOOST_TEST(sa->counters.rxerrors == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

namespace {

// What may leave the gateway: well-formed IP from its own MAC (ESP that
// decrypts to a well-formed inner packet, on the public side), ARP / ND.
void check_output(const std::vector<Bytes>& frames, const Site& site, bool public_side,
                  EspPeer& peer, std::size_t& esp_seen) {
  for (const Bytes& frame : frames) {
    const auto e = parse_ethernet(frame);
    BOOST_TEST_REQUIRE(e.has_value());
    BOOST_TEST(e->source.to_string() ==
               (public_side ? site.public_mac : site.private_mac).to_string());
    if (e->ethertype == net::kEthertypeArp) {
      BOOST_TEST(parse_arp_frame(frame).has_value());
      continue;
    }
    const auto ip = parse_ip_frame(frame);
    BOOST_TEST_REQUIRE(ip.has_value());
    BOOST_TEST(ip->packet.size() + net::kEthernetHeaderSize == frame.size());
    BOOST_TEST(ip->header_checksum_ok);
    BOOST_TEST(ip->ttl > 0);
    if (public_side && ip->protocol == net::kProtocolEsp) {
      ++esp_seen;
      BOOST_TEST(ip->source.to_string() == site.public_ip.to_string());
      const auto opened = peer.open(ip->payload);
      BOOST_TEST_REQUIRE(opened.status == esp::DecryptStatus::kOk);
      const auto inner = parse_ip(opened.inner);
      BOOST_TEST_REQUIRE(inner.has_value());
      BOOST_TEST(inner->header_checksum_ok);
      BOOST_TEST(inner->packet.size() == opened.inner.size());
    } else if (ip->protocol == net::kProtocolIcmp || ip->protocol == net::kProtocolIcmp6) {
      const auto m = parse_icmp(*ip);
      BOOST_TEST_REQUIRE(m.has_value());
      BOOST_TEST(m->checksum_ok);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_and_mutated_frames_never_crash_leak_or_leak_through) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      const std::size_t initial = h.pool().available();
      EspPeer sender(t.outbound, p.outbound);
      EspPeer receiver(t.outbound, p.outbound);
      std::mt19937 random(is_ipv4(f) ? 20261125u : 61125u);
      // Valid frames of every kind to mutate.
      const std::vector<Bytes> lan_templates = {
          lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(100))),
          lan_frame(p, echo_request(p.host_ip, p.private_ip, 1, 1, pattern(30))),
          is_ipv4(f)
              ? arp_frame(net::kBroadcastMac, p.private_nexthop_mac, 1, p.private_nexthop_mac,
                          p.private_nexthop_ip, net::Mac{}, p.private_ip)
              : ip_frame(multicast_mac(solicited_node(p.private_ip)), p.private_nexthop_mac,
                         neighbor_solicitation(p.private_nexthop_ip, solicited_node(p.private_ip),
                                               p.private_ip, p.private_nexthop_mac))};
      std::size_t forwarded = 0, esp_seen = 0;
      for (int round = 0; round < 100; ++round) {
        for (int i = 0; i < 40; ++i) {
          const bool to_public = (random() & 1) != 0;
          Bytes frame;
          switch (random() % 3) {
            case 0:  // random bytes
              frame = random_bytes(random, random() % 1600);
              break;
            case 1:  // a valid header followed by random bytes
              frame = to_public ? tunnel_frame(p, t, random_bytes(random, random() % 300))
                                : lan_templates[random() % lan_templates.size()];
              frame.resize(std::min<std::size_t>(frame.size(), 14 + random() % 80));
              {
                const Bytes tail = random_bytes(random, random() % 200);
                frame.insert(frame.end(), tail.begin(), tail.end());
              }
              break;
            default: {  // a valid frame with a few bits flipped
              frame = to_public ? tunnel_frame(p, t,
                                               sender.seal(udp_packet(t.host_ip, p.host_ip, 1, 2,
                                                                      pattern(random() % 200))))
                                : lan_templates[random() % lan_templates.size()];
              const int flips = 1 + static_cast<int>(random() % 3);
              for (int k = 0; k < flips; ++k)
                frame[random() % frame.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8));
            }
          }
          if (to_public)
            h.send_public(frame);
          else
            h.send_private(frame);
        }
        h.run();
        const std::vector<Bytes> lan = h.take_private();
        const std::vector<Bytes> wan = h.take_public();
        forwarded += lan.size() + wan.size();
        check_output(lan, p, false, receiver, esp_seen);
        check_output(wan, p, true, receiver, esp_seen);
        BOOST_TEST_REQUIRE(h.pool().available() == initial);
      }
      BOOST_TEST_MESSAGE(family_name(f)
                         << ": " << forwarded << " frames out, " << esp_seen << " of them ESP");
      // Something got through (the mutations leave many frames valid) and
      // far more were dropped.
      BOOST_TEST(forwarded > 0u);
      BOOST_TEST(forwarded < 2000u);
    }
  }
}
