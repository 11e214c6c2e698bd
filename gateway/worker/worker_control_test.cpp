#define BOOST_TEST_MODULE worker_control
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "net/headers.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;
using Kind = state::IcmpCounters::Kind;

namespace {

// The IP packet of the single frame in `frames`, after checking its
// Ethernet addresses.
Bytes only_ip(const std::vector<Bytes>& frames, const net::Mac& destination,
              const net::Mac& source) {
  BOOST_TEST_REQUIRE(frames.size() == 1u);
  const auto e = parse_ethernet(frames[0]);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->destination.to_string() == destination.to_string());
  BOOST_TEST(e->source.to_string() == source.to_string());
  const auto ip = parse_ip_frame(frames[0]);
  BOOST_TEST_REQUIRE(ip.has_value());
  BOOST_TEST(ip->packet.size() + net::kEthernetHeaderSize == frames[0].size());
  BOOST_TEST(ip->header_checksum_ok);
  return ip->packet;
}

// Checks an ICMP message's checksum and returns the parsed view.
IcmpView icmp_of(const Bytes& packet) {
  const auto ip = parse_ip(packet);
  BOOST_TEST_REQUIRE(ip.has_value());
  const auto m = parse_icmp(*ip);
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->checksum_ok);
  return *m;
}

const net::Address& internet_host(Family f) {
  static const net::Address a4 = ip("203.0.113.5"), a6 = ip("2001:db8:999::5");
  return is_ipv4(f) ? a4 : a6;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ping_of_private_and_public_addresses_is_answered) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      const Bytes data = pattern(56, 9);
      IpOptions o;
      o.ttl = 17;
      h.send_private(lan_frame(p, echo_request(p.host_ip, p.private_ip, 0x1234, 7, data, o)));
      h.send_public(wan_frame(p, echo_request(internet_host(f), p.public_ip, 0x4321, 9, data, o)));
      h.run();
      const std::uint8_t reply = is_ipv4(f) ? 0 : 129;
      const Bytes a = only_ip(h.take_private(), p.private_nexthop_mac, p.private_mac);
      BOOST_TEST(a == icmp_packet(p.private_ip, p.host_ip, reply, 0, 0x12340007u, data));
      BOOST_TEST(icmp_of(a).checksum_ok);
      const Bytes b = only_ip(h.take_public(), p.public_nexthop_mac, p.public_mac);
      BOOST_TEST(b == icmp_packet(p.public_ip, internet_host(f), reply, 0, 0x43210009u, data));
      BOOST_TEST(icmp_of(b).checksum_ok);
      BOOST_TEST(h.worker().private_icmp()[Kind::kEchoRequest] == 1u);
      BOOST_TEST(h.worker().public_icmp()[Kind::kEchoRequest] == 1u);
      BOOST_TEST(h.worker().inbound_icmp()[Kind::kEchoRequest] == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(arp_requests_for_own_addresses_are_answered) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  const net::Mac asker = mac("02:aa:00:00:00:01");
  const net::Mac zero{};
  const net::Address asker_ip = ip("10.1.0.77");
  h.send_private(arp_frame(net::kBroadcastMac, asker, 1, asker, asker_ip, zero, p.private_ip));
  // For somebody else: ignored, not an error.
  h.send_private(arp_frame(net::kBroadcastMac, asker, 1, asker, asker_ip, zero, ip("10.1.0.99")));
  h.send_public(
      arp_frame(net::kBroadcastMac, asker, 1, asker, ip("192.0.2.77"), zero, p.public_ip));
  h.run();
  const std::vector<Bytes> lan = h.take_private();
  BOOST_TEST_REQUIRE(lan.size() == 1u);
  BOOST_TEST(lan[0] ==
             arp_frame(asker, p.private_mac, 2, p.private_mac, p.private_ip, asker, asker_ip));
  const std::vector<Bytes> wan = h.take_public();
  BOOST_TEST_REQUIRE(wan.size() == 1u);
  BOOST_TEST(wan[0] ==
             arp_frame(asker, p.public_mac, 2, p.public_mac, p.public_ip, asker, ip("192.0.2.77")));
  BOOST_TEST(h.worker().private_next_hop().arp_requests == 1u);
  BOOST_TEST(h.worker().private_next_hop().arp_errors == 0u);
  BOOST_TEST(h.worker().public_next_hop().arp_requests == 1u);
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(arp_resolves_the_public_next_hop) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  SiteOptions o;
  o.static_public_nexthop = false;
  GatewayHarness h(site_config(p, t, o));
  const Bytes inner = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(64));
  const net::Mac zero{};
  const Bytes request = arp_frame(net::kBroadcastMac, p.public_mac, 1, p.public_mac, p.public_ip,
                                  zero, p.public_nexthop_ip);

  // Unresolved: the packet is dropped (txdrop) and an ARP request goes out.
  h.send_private(lan_frame(p, inner));
  h.run();
  std::vector<Bytes> out = h.take_public();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0] == request);
  BOOST_TEST(h.public_port().counters().txdrop == 1u);

  // Within the retry interval: dropped, no new request.
  h.clock().advance(base::kSecond / 2);
  h.send_private(lan_frame(p, inner));
  h.run();
  BOOST_TEST(h.take_public().empty());
  BOOST_TEST(h.public_port().counters().txdrop == 2u);

  // One second after the first request: retried.
  h.clock().advance(base::kSecond / 2);
  h.run();
  out = h.take_public();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  BOOST_TEST(out[0] == request);

  // A reply from the next hop resolves it; traffic flows to its MAC.
  const net::Mac router = mac("02:77:66:55:44:33");
  h.send_public(
      arp_frame(p.public_mac, router, 2, router, p.public_nexthop_ip, p.public_mac, p.public_ip));
  h.run();
  BOOST_TEST(h.worker().public_next_hop().arp_replies == 1u);
  h.send_private(lan_frame(p, inner));
  h.run();
  out = h.take_public();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  const auto e = parse_ethernet(out[0]);
  BOOST_TEST(e->destination.to_string() == router.to_string());
  BOOST_TEST(e->source.to_string() == p.public_mac.to_string());
  EspPeer peer(t.outbound, p.outbound);
  const auto opened = peer.open_frame(out[0]);
  BOOST_TEST_REQUIRE(opened.has_value());
  BOOST_TEST_REQUIRE(opened->status == esp::DecryptStatus::kOk);
  BOOST_TEST(opened->inner == with_ttl(inner, 63));
  BOOST_TEST(h.public_port().counters().txdrop == 2u);
  // Resolved: no more requests.
  h.clock().advance(5 * base::kSecond);
  h.run();
  BOOST_TEST(h.take_public().empty());
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(neighbor_solicitation_for_own_address_is_answered) {
  const Site p = paris(Family::kIpv6), t = tokyo(Family::kIpv6);
  GatewayHarness h(site_config(p, t));
  const net::Address group = solicited_node(p.private_ip);
  h.send_private(ip_frame(
      multicast_mac(group), p.private_nexthop_mac,
      neighbor_solicitation(p.private_nexthop_ip, group, p.private_ip, p.private_nexthop_mac)));
  h.run();
  const Bytes na = only_ip(h.take_private(), p.private_nexthop_mac, p.private_mac);
  // Router | Solicited | Override, target link-layer option, hop limit 255.
  BOOST_TEST(na == neighbor_advertisement(p.private_ip, p.private_nexthop_ip, p.private_ip,
                                          0xe0000000u, p.private_mac));
  const auto view = parse_ip(na);
  BOOST_TEST(view->ttl == 255);
  BOOST_TEST(icmp_of(na).checksum_ok);
  const auto nd = parse_neighbor(*view);
  BOOST_TEST_REQUIRE(nd.has_value());
  BOOST_TEST_REQUIRE(nd->link.has_value());
  BOOST_TEST(nd->link->to_string() == p.private_mac.to_string());
  BOOST_TEST(h.worker().private_next_hop().arp_requests == 1u);

  // Public side, without a source link-layer option: answered to the
  // Ethernet source.
  const net::Mac asker = mac("02:aa:00:00:00:02");
  const net::Address asker_ip = ip("2001:db8:100::77");
  h.send_public(ip_frame(p.public_mac, asker,
                         neighbor_solicitation(asker_ip, p.public_ip, p.public_ip, std::nullopt)));
  h.run();
  const Bytes na2 = only_ip(h.take_public(), asker, p.public_mac);
  BOOST_TEST(na2 ==
             neighbor_advertisement(p.public_ip, asker_ip, p.public_ip, 0xe0000000u, p.public_mac));

  // A duplicate address probe from :: for the gateway's address: answered
  // to all nodes, not solicited (RFC 4861 7.2.4).
  h.send_private(ip_frame(multicast_mac(group), asker,
                          neighbor_solicitation(ip("::"), group, p.private_ip, std::nullopt)));
  h.run();
  const net::Address all_nodes = ip("ff02::1");
  BOOST_TEST(
      only_ip(h.take_private(), multicast_mac(all_nodes), p.private_mac) ==
      neighbor_advertisement(p.private_ip, all_nodes, p.private_ip, 0xa0000000u, p.private_mac));

  // Not answered: hop limit below 255, a bad checksum and a probe from ::
  // with a source link-layer option (nd-errors), another target (no error).
  h.send_private(ip_frame(multicast_mac(group), asker,
                          neighbor_solicitation(asker_ip, group, p.private_ip, asker, 64)));
  Bytes bad = neighbor_solicitation(asker_ip, group, p.private_ip, asker);
  bad[42] ^= 0x40;
  h.send_private(ip_frame(multicast_mac(group), asker, bad));
  h.send_private(ip_frame(multicast_mac(group), asker,
                          neighbor_solicitation(ip("::"), group, p.private_ip, asker)));
  h.send_private(ip_frame(multicast_mac(group), asker,
                          neighbor_solicitation(asker_ip, group, ip("2001:db8:1::99"), asker)));
  h.run();
  BOOST_TEST(h.take_private().empty());
  BOOST_TEST(h.worker().private_next_hop().arp_requests == 2u);
  BOOST_TEST(h.worker().private_next_hop().arp_errors == 3u);
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(neighbor_discovery_resolves_the_next_hops) {
  const Site p = paris(Family::kIpv6), t = tokyo(Family::kIpv6);
  SiteOptions o;
  o.static_public_nexthop = false;
  o.static_private_nexthop = false;
  GatewayHarness h(site_config(p, t, o));
  const Bytes inner = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(64));
  auto expect_solicitation = [](const std::vector<Bytes>& frames, const net::Address& own,
                                const net::Mac& own_mac, const net::Address& target) {
    const net::Address group = solicited_node(target);
    const Bytes ns = only_ip(frames, multicast_mac(group), own_mac);
    BOOST_TEST(ns == neighbor_solicitation(own, group, target, own_mac));
    BOOST_TEST(parse_ip(ns)->destination.to_string() ==
               (target == ip("2001:db8:100::fe") ? "ff02::1:ff00:fe" : "ff02::1:ff00:2"));
  };

  h.send_private(lan_frame(p, inner));
  h.run();
  // Both next hops are solicited on the first poll; the packet was dropped.
  expect_solicitation(h.take_public(), p.public_ip, p.public_mac, p.public_nexthop_ip);
  expect_solicitation(h.take_private(), p.private_ip, p.private_mac, p.private_nexthop_ip);
  BOOST_TEST(h.public_port().counters().txdrop == 1u);

  h.clock().advance(base::kSecond);
  h.run();
  expect_solicitation(h.take_public(), p.public_ip, p.public_mac, p.public_nexthop_ip);
  expect_solicitation(h.take_private(), p.private_ip, p.private_mac, p.private_nexthop_ip);

  // Solicited advertisements resolve them.
  const net::Mac wan_router = mac("02:77:00:00:00:01"), lan_router = mac("02:77:00:00:00:02");
  h.send_public(ip_frame(p.public_mac, wan_router,
                         neighbor_advertisement(p.public_nexthop_ip, p.public_ip,
                                                p.public_nexthop_ip, 0x60000000u, wan_router)));
  h.send_private(ip_frame(p.private_mac, lan_router,
                          neighbor_advertisement(p.private_nexthop_ip, p.private_ip,
                                                 p.private_nexthop_ip, 0x60000000u, lan_router)));
  h.run();
  BOOST_TEST(h.worker().public_next_hop().arp_replies == 1u);
  BOOST_TEST(h.worker().private_next_hop().arp_replies == 1u);

  EspPeer peer(t.outbound, p.outbound);
  h.send_private(lan_frame(p, inner));
  const Bytes back = udp_packet(t.host_ip, p.host_ip, 2, 1, pattern(32));
  h.send_public(esp_frame(p.public_mac, wan_router, t.public_ip, p.public_ip, peer.seal(back)));
  h.run();
  const std::vector<Bytes> wan = h.take_public();
  BOOST_TEST_REQUIRE(wan.size() == 1u);
  BOOST_TEST(parse_ethernet(wan[0])->destination.to_string() == wan_router.to_string());
  BOOST_TEST(peer.open_frame(wan[0])->inner == with_ttl(inner, 63));
  const std::vector<Bytes> lan = h.take_private();
  BOOST_TEST_REQUIRE(lan.size() == 1u);
  BOOST_TEST(parse_ethernet(lan[0])->destination.to_string() == lan_router.to_string());
  BOOST_TEST(parse_ethernet(lan[0])->payload == with_ttl(back, 63));
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(ttl_one_on_the_private_side_gets_time_exceeded) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      IpOptions o;
      o.ttl = 1;
      for (const std::size_t size : {std::size_t{40}, std::size_t{1300}}) {
        const Bytes offender = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(size), o);
        h.send_private(lan_frame(p, offender));
        h.run();
        const Bytes error = only_ip(h.take_private(), p.private_nexthop_mac, p.private_mac);
        // Quote: as much as fits in 576 (IPv4) / 1280 (IPv6) bytes.
        const std::size_t quote = std::min<std::size_t>(offender.size(), is_ipv4(f) ? 548 : 1232);
        const Bytes quoted(offender.begin(), offender.begin() + static_cast<long>(quote));
        BOOST_TEST(error ==
                   icmp_packet(p.private_ip, p.host_ip, is_ipv4(f) ? 11 : 3, 0, 0, quoted));
        BOOST_TEST(icmp_of(error).checksum_ok);
      }
      BOOST_TEST(h.take_public().empty());
      BOOST_TEST(h.worker().private_router().route_errors == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(ttl_one_after_decapsulation_gets_time_exceeded_through_the_tunnel) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      IpOptions o;
      o.ttl = 1;
      const Bytes offender = udp_packet(t.host_ip, p.host_ip, 1, 2, pattern(100), o);
      h.send_public(tunnel_frame(p, t, peer.seal(offender)));
      h.run();
      BOOST_TEST(h.take_private().empty());
      const std::vector<Bytes> out = h.take_public();
      BOOST_TEST_REQUIRE(out.size() == 1u);
      const auto opened = peer.open_frame(out[0]);
      BOOST_TEST_REQUIRE(opened.has_value());
      BOOST_TEST_REQUIRE(opened->status == esp::DecryptStatus::kOk);
      // From the private address to the far host, TTL 64 less the
      // encapsulating hop.
      BOOST_TEST(
          opened->inner ==
          with_ttl(icmp_packet(p.private_ip, t.host_ip, is_ipv4(f) ? 11 : 3, 0, 0, offender), 63));
      BOOST_TEST(icmp_of(opened->inner).checksum_ok);
      BOOST_TEST(parse_ip_frame(out[0])->destination.to_string() == t.public_ip.to_string());
    }
  }
}

BOOST_AUTO_TEST_CASE(oversize_packets_get_fragmentation_needed_or_packet_too_big) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      SiteOptions so;
      so.mtu = 1400;
      GatewayHarness h(site_config(p, t, so));
      IpOptions o;
      o.dont_fragment = true;
      const std::size_t header = is_ipv4(f) ? 28 : 48;
      const Bytes offender = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(1401 - header), o);
      BOOST_TEST_REQUIRE(offender.size() == 1401u);
      h.send_private(lan_frame(p, offender));
      h.run();
      BOOST_TEST(h.take_public().empty());
      const Bytes error = only_ip(h.take_private(), p.private_nexthop_mac, p.private_mac);
      const std::size_t quote = is_ipv4(f) ? 548 : 1232;
      const Bytes quoted(offender.begin(), offender.begin() + static_cast<long>(quote));
      BOOST_TEST(error == icmp_packet(p.private_ip, p.host_ip, is_ipv4(f) ? 3 : 2,
                                      is_ipv4(f) ? 4 : 0, 1400, quoted));
      BOOST_TEST(error.size() == (is_ipv4(f) ? 576u : 1280u));
      BOOST_TEST(icmp_of(error).checksum_ok);
      BOOST_TEST(h.worker().private_router().mtu_errors == 1u);
      // Exactly mtu passes.
      const Bytes fits = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(1400 - header), o);
      h.send_private(lan_frame(p, fits));
      h.run();
      BOOST_TEST(h.take_public().size() == 1u);
      BOOST_TEST(h.worker().private_router().mtu_errors == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(ping_of_private_address_through_the_tunnel_is_answered_through_it) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes data = pattern(100, 1);
      h.send_public(
          tunnel_frame(p, t, peer.seal(echo_request(t.host_ip, p.private_ip, 77, 1, data))));
      h.run();
      BOOST_TEST(h.take_private().empty());
      const std::vector<Bytes> out = h.take_public();
      BOOST_TEST_REQUIRE(out.size() == 1u);
      const auto opened = peer.open_frame(out[0]);
      BOOST_TEST_REQUIRE(opened.has_value());
      BOOST_TEST_REQUIRE(opened->status == esp::DecryptStatus::kOk);
      BOOST_TEST(opened->inner ==
                 with_ttl(icmp_packet(p.private_ip, t.host_ip, is_ipv4(f) ? 0 : 129, 0,
                                      (77u << 16) | 1u, data),
                          63));
      BOOST_TEST(h.worker().inbound_icmp()[Kind::kEchoRequest] == 1u);
      BOOST_TEST(h.worker().private_icmp()[Kind::kEchoRequest] == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(inbound_icmp_errors_are_counted_by_type_and_code) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  const Bytes quote = udp_packet(p.private_ip, t.host_ip, 1, 2, pattern(8));
  auto lan_icmp = [&](std::uint8_t type, std::uint8_t code, bool bad = false) {
    h.send_private(
        lan_frame(p, icmp_packet(p.host_ip, p.private_ip, type, code, 0, quote, {}, bad)));
  };
  lan_icmp(3, 3);        // port unreachable
  lan_icmp(3, 4);        // fragmentation needed
  lan_icmp(3, 13);       // unknown code
  lan_icmp(11, 0);       // TTL exceeded in transit
  lan_icmp(11, 1);       // reassembly
  lan_icmp(12, 0);       // parameter problem
  lan_icmp(5, 1);        // redirect host
  lan_icmp(42, 0);       // unknown type
  lan_icmp(3, 1, true);  // bad checksum
  h.send_public(
      wan_frame(p, icmp_packet(internet_host(Family::kIpv4), p.public_ip, 3, 4, 1280, quote)));
  EspPeer peer(t.outbound, p.outbound);
  h.send_public(
      tunnel_frame(p, t, peer.seal(icmp_packet(t.host_ip, p.private_ip, 3, 1, 0, quote))));
  h.run();
  BOOST_TEST(h.take_private().empty());
  BOOST_TEST(h.take_public().empty());
  const auto& c = h.worker().private_icmp();
  BOOST_TEST(c[Kind::kDestinationUnreachable] == 3u);
  BOOST_TEST(c[Kind::kPortUnreachable] == 1u);
  BOOST_TEST(c[Kind::kFragmentationNeeded] == 1u);
  BOOST_TEST(c[Kind::kCodeNotImplemented] == 1u);
  BOOST_TEST(c[Kind::kTimeExceeded] == 2u);
  BOOST_TEST(c[Kind::kTransitTtlExceeded] == 1u);
  BOOST_TEST(c[Kind::kReassemblyTimeExceeded] == 1u);
  BOOST_TEST(c[Kind::kParameterProblem] == 1u);
  BOOST_TEST(c[Kind::kRedirect] == 1u);
  BOOST_TEST(c[Kind::kRedirectHost] == 1u);
  BOOST_TEST(c[Kind::kTypeNotImplemented] == 1u);
  BOOST_TEST(c[Kind::kProtocolErrors] == 1u);
  BOOST_TEST(c[Kind::kEchoRequest] == 0u);
  BOOST_TEST(h.worker().public_icmp()[Kind::kDestinationUnreachable] == 1u);
  BOOST_TEST(h.worker().public_icmp()[Kind::kFragmentationNeeded] == 1u);
  BOOST_TEST(h.worker().inbound_icmp()[Kind::kDestinationUnreachable] == 1u);
  BOOST_TEST(h.worker().inbound_icmp()[Kind::kHostUnreachable] == 1u);
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(inbound_icmpv6_errors_are_counted_by_type_and_code) {
  const Site p = paris(Family::kIpv6), t = tokyo(Family::kIpv6);
  GatewayHarness h(site_config(p, t));
  const Bytes quote = udp_packet(p.private_ip, t.host_ip, 1, 2, pattern(8));
  auto lan_icmp = [&](std::uint8_t type, std::uint8_t code) {
    h.send_private(lan_frame(p, icmp_packet(p.host_ip, p.private_ip, type, code, 0, quote)));
  };
  lan_icmp(1, 4);    // port unreachable
  lan_icmp(1, 1);    // administratively prohibited: destination-denied
  lan_icmp(2, 0);    // packet too big
  lan_icmp(3, 0);    // hop limit exceeded
  lan_icmp(4, 1);    // unrecognized next header
  lan_icmp(4, 9);    // unknown code
  lan_icmp(100, 0);  // unknown type
  h.run();
  BOOST_TEST(h.take_private().empty());
  const auto& c = h.worker().private_icmp();
  BOOST_TEST(c[Kind::kDestinationUnreachable] == 2u);
  BOOST_TEST(c[Kind::kPortUnreachable] == 1u);
  BOOST_TEST(c[Kind::kDestinationDenied] == 1u);
  BOOST_TEST(c[Kind::kFragmentationNeeded] == 1u);
  BOOST_TEST(c[Kind::kTimeExceeded] == 1u);
  BOOST_TEST(c[Kind::kTransitTtlExceeded] == 1u);
  BOOST_TEST(c[Kind::kParameterProblem] == 2u);
  BOOST_TEST(c[Kind::kNextHeaderProblem] == 1u);
  BOOST_TEST(c[Kind::kCodeNotImplemented] == 1u);
  BOOST_TEST(c[Kind::kTypeNotImplemented] == 1u);
}

BOOST_AUTO_TEST_CASE(key_exchange_datagrams_go_to_the_key_manager) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  SiteOptions o;
  o.data_plane = false;
  GatewayHarness h(site_config(p, t, o));
  BOOST_TEST_REQUIRE(h.worker().control_queue() != nullptr);
  BOOST_TEST_REQUIRE(h.worker().key_manager() != nullptr);
  // 72 bytes after the transport header: no message has that size.
  const Bytes message = wan_frame(p, udp_packet(t.public_ip, p.public_ip, 303, 303, pattern(80)));
  h.send_public(message);
  // Another UDP port: a protocol error of dispatch, not of the key manager.
  h.send_public(wan_frame(p, udp_packet(t.public_ip, p.public_ip, 303, 304, pattern(80))));
  h.run();
  // The key manager knocked on tokyo's door as soon as it started: one
  // 12-byte knock (transport header, version 5) to port 303.
  const auto sent = h.take_public();
  BOOST_TEST_REQUIRE(sent.size() == 1u);
  const Bytes& knock = sent.front();
  BOOST_TEST_REQUIRE(knock.size() == 14u + 20u + 8u + 12u);
  BOOST_TEST(knock[14 + 9] == 17);  // UDP
  BOOST_TEST((knock[14 + 20 + 2] << 8 | knock[14 + 20 + 3]) == 303);
  BOOST_TEST(knock[14 + 20 + 8 + 4] == 11);  // knock
  BOOST_TEST(knock[14 + 20 + 8 + 11] == 5);  // version 5
  BOOST_TEST(h.worker().public_dispatch().protocol_errors == 1u);
  BOOST_TEST(h.worker().key_manager_counters().protocol_errors == 1u);
  BOOST_TEST(h.worker().key_manager_counters().negotiations_initiated == 1u);
  BOOST_TEST(h.worker().control_queue()->size() == 0u);  // consumed
  // No SAs yet: traffic to the route is a route error.
  h.send_private(lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(8))));
  h.run();
  BOOST_TEST(h.take_public().empty());
  BOOST_TEST(h.worker().private_router().route_errors == 1u);
  BOOST_TEST(h.pool().available() == h.pool().count());

  // In data-plane mode there is no key exchange: a protocol error.
  GatewayHarness d(site_config(p, t));
  BOOST_TEST(d.worker().control_queue() == nullptr);
  d.send_public(message);
  d.run();
  BOOST_TEST(d.take_public().empty());
  BOOST_TEST(d.worker().public_dispatch().protocol_errors == 1u);
  BOOST_TEST(d.pool().available() == d.pool().count());
}

BOOST_AUTO_TEST_CASE(no_icmp_errors_about_non_initial_fragments_multicast_or_icmp_errors) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      esp::SaParameters mcast_sa = p.outbound;
      mcast_sa.spi = 3003;
      SiteOptions so;
      so.mtu = 1000;
      // A route for a multicast range, so multicast reaches the TTL check.
      so.extra = std::string("route") + (is_ipv4(f) ? "4" : "6") + " { id mcast; gateway { ip " +
                 t.public_ip.to_string() + "; } net \"" +
                 (is_ipv4(f) ? "239.0.0.0/8" : "ff0e::/16") +
                 "\";\n  preshared-key "
                 "\"0000000000000000000000000000000000000000000000000000000000000003\"; spi "
                 "1299; }\n" +
                 sa_entry("outbound-sa", "mcast", mcast_sa);
      GatewayHarness h(site_config(p, t, so));
      IpOptions expiring;
      expiring.ttl = 1;
      const net::Address group = ip(is_ipv4(f) ? "239.1.2.3" : "ff0e::1:2:3");
      // Multicast with TTL 1: no Time Exceeded.
      h.send_private(lan_frame(p, udp_packet(p.host_ip, group, 1, 2, pattern(20), expiring)));
      // An ICMP error with TTL 1: no error about an error.
      h.send_private(lan_frame(
          p, icmp_packet(p.host_ip, t.host_ip, is_ipv4(f) ? 3 : 1, 1, 0, pattern(28), expiring)));
      h.run();
      BOOST_TEST(h.take_private().empty());
      BOOST_TEST(h.take_public().empty());
      if (is_ipv4(f)) {
        // A non-initial fragment with TTL 1 (RFC 1812 4.3.2.7): nothing;
        // the initial fragment gets its Time Exceeded.
        IpOptions later = expiring;
        later.fragment_offset = 100;
        h.send_private(lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(20), later)));
        h.run();
        BOOST_TEST(h.take_private().empty());
        IpOptions first = expiring;
        first.more_fragments = true;
        h.send_private(lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(20), first)));
        h.run();
        BOOST_TEST(h.take_private().size() == 1u);
      } else {
        // Packet Too Big is the exception for multicast (RFC 4443 2.4 e).
        h.send_private(lan_frame(p, udp_packet(p.host_ip, group, 1, 2, pattern(1200))));
        h.run();
        const Bytes error = only_ip(h.take_private(), p.private_nexthop_mac, p.private_mac);
        BOOST_TEST(icmp_of(error).type == 2);
        BOOST_TEST(icmp_of(error).rest == 1000u);
      }
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(icmp_errors_are_rate_limited) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t));
  IpOptions expiring;
  expiring.ttl = 1;
  const Bytes frame = lan_frame(p, udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(20), expiring));
  std::size_t errors = 0;
  for (int batch = 0; batch < 12; ++batch) {
    for (int i = 0; i < 100; ++i)
      h.send_private(frame);
    h.run();
    errors += h.take_private().size();
  }
  BOOST_TEST(errors == 1000u);  // IcmpErrorSender::kErrorsPerSecond
  h.clock().advance(base::kSecond);
  h.send_private(frame);
  h.run();
  BOOST_TEST(h.take_private().size() == 1u);
  BOOST_TEST(h.take_public().empty());
  BOOST_TEST(h.pool().available() == h.pool().count());
}
