#define BOOST_TEST_MODULE worker_forwarding
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
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

namespace {

// Datagrams between the LAN hosts carry pattern(size, kSeed).
constexpr std::uint8_t kSeed = 3;

// Checks the outer headers of an ESP frame `site`'s gateway sent to
// `gateway`; returns the ESP payload.
Bytes check_outer(const Bytes& frame, const Site& site, const net::Address& gateway) {
  const auto e = parse_ethernet(frame);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->destination.to_string() == site.public_nexthop_mac.to_string());
  BOOST_TEST(e->source.to_string() == site.public_mac.to_string());
  const auto ip = parse_ip_frame(frame);
  BOOST_TEST_REQUIRE(ip.has_value());
  BOOST_TEST(ip->packet.size() + net::kEthernetHeaderSize == frame.size());
  BOOST_TEST(ip->source.to_string() == site.public_ip.to_string());
  BOOST_TEST(ip->destination.to_string() == gateway.to_string());
  BOOST_TEST(ip->ttl == 64);
  BOOST_TEST(ip->protocol == net::kProtocolEsp);
  BOOST_TEST(ip->header_checksum_ok);
  BOOST_TEST(ip->flags_fragment == 0);
  return ip->payload;
}

// A frame one gateway sent on its public side as the other receives it:
// the routers between them rewrite the Ethernet header (each gateway only
// takes frames for its own MAC).
Bytes across_internet(Bytes frame, const Site& to) {
  std::memcpy(frame.data(), to.public_mac.bytes.data(), 6);
  std::memcpy(frame.data() + 6, to.public_nexthop_mac.bytes.data(), 6);
  return frame;
}

}  // namespace

BOOST_AUTO_TEST_CASE(private_to_public_is_esp_to_the_route_gateway) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      std::vector<Bytes> inners;
      for (std::size_t i = 0; i < 3; ++i) {
        inners.push_back(host_datagram(p, t, 60 + 333 * i, kSeed));
        h.send_private(lan_frame(p, inners.back()));
      }
      h.run();
      BOOST_TEST(h.take_private().empty());
      const std::vector<Bytes> out = h.take_public();
      BOOST_TEST_REQUIRE(out.size() == 3u);
      for (std::size_t i = 0; i < out.size(); ++i) {
        const Bytes esp_payload = check_outer(out[i], p, t.public_ip);
        const EspPeer::Opened o = peer.open(esp_payload);
        BOOST_TEST_REQUIRE(o.status == esp::DecryptStatus::kOk);
        BOOST_TEST(o.spi == p.outbound.spi);
        BOOST_TEST(o.sequence == i + 1);
        BOOST_TEST(o.next_header == (f == Family::kIpv4 ? 4 : 41));
        BOOST_TEST(o.inner == with_ttl(inners[i], 63));
        // Padding to a multiple of 4, no more: 16 header + inner + pad + 2 + 16 ICV.
        BOOST_TEST(esp_payload.size() == 16 + (inners[i].size() + 2 + 3) / 4 * 4 + 16);
      }
      BOOST_TEST(h.private_port().counters().rxpackets == 3u);
      BOOST_TEST(h.public_port().counters().txpackets == 3u);
      BOOST_TEST(h.public_port().counters().txdrop == 0u);
      BOOST_TEST(h.public_port().counters().txerrors == 0u);
      BOOST_TEST(h.worker().private_router().route_errors == 0u);
      BOOST_TEST(h.worker().private_router().mtu_errors == 0u);
      for (const auto* c : {&h.worker().private_dispatch(), &h.worker().public_dispatch()}) {
        BOOST_TEST(c->rxerrors == 0u);
        BOOST_TEST(c->ethertype_errors == 0u);
        BOOST_TEST(c->protocol_errors == 0u);
        BOOST_TEST(c->fragment_errors == 0u);
        BOOST_TEST(c->checksum_errors == 0u);
      }
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(public_to_private_decapsulates_with_ttl_decremented) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes inner = host_datagram(t, p, 500, kSeed);
      h.send_public(tunnel_frame(p, t, peer.seal(inner)));
      h.run();
      BOOST_TEST(h.take_public().empty());
      const std::vector<Bytes> out = h.take_private();
      BOOST_TEST_REQUIRE(out.size() == 1u);
      const auto e = parse_ethernet(out[0]);
      BOOST_TEST_REQUIRE(e.has_value());
      BOOST_TEST(e->destination.to_string() == p.private_nexthop_mac.to_string());
      BOOST_TEST(e->source.to_string() == p.private_mac.to_string());
      BOOST_TEST(e->ethertype == (f == Family::kIpv4 ? net::kEthertypeIpv4 : net::kEthertypeIpv6));
      BOOST_TEST(e->payload == with_ttl(inner, 63));
      BOOST_TEST(h.worker().public_router().route_errors == 0u);
      const esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
      BOOST_TEST_REQUIRE(sa != nullptr);
      BOOST_TEST(sa->counters.decrypt_errors == 0u);
      BOOST_TEST(sa->counters.protocol_errors == 0u);
      BOOST_TEST(h.private_port().counters().txpackets == 1u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(longest_prefix_match_picks_route_sa_and_gateway) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  esp::SaParameters osaka_sa = t.outbound, nagoya_sa = t.outbound;
  osaka_sa.spi = 3001;
  osaka_sa.key[0] ^= 0x77;
  nagoya_sa.spi = 3002;
  nagoya_sa.key[1] ^= 0x55;
  SiteOptions o;
  // tokyo 10.2.0.0/16 (from site_config), osaka 10.2.128.0/17, nagoya 10.2.200.0/24.
  o.extra =
      "route4 { id osaka; gateway { ip 198.51.100.2; } net \"10.2.128.0/17\";\n"
      "  preshared-key "
      "\"0000000000000000000000000000000000000000000000000000000000000001\"; spi 1235; }\n"
      "route4 { id nagoya; gateway { ip 198.51.100.3; } net \"10.2.200.0/24\";\n"
      "  preshared-key "
      "\"0000000000000000000000000000000000000000000000000000000000000002\"; spi 1236; }\n" +
      sa_entry("outbound-sa", "osaka", osaka_sa) + sa_entry("outbound-sa", "nagoya", nagoya_sa);
  GatewayHarness h(site_config(p, t, o));

  struct Case {
    const char* destination;
    const char* gateway;
    const esp::SaParameters* sa;
  };
  const Case cases[] = {
      {"10.2.1.1", "198.51.100.1", &p.outbound},  {"10.2.127.255", "198.51.100.1", &p.outbound},
      {"10.2.128.0", "198.51.100.2", &osaka_sa},  {"10.2.199.255", "198.51.100.2", &osaka_sa},
      {"10.2.200.5", "198.51.100.3", &nagoya_sa}, {"10.2.201.1", "198.51.100.2", &osaka_sa},
      {"10.2.255.255", "198.51.100.2", &osaka_sa}};
  std::vector<Bytes> inners;
  for (const Case& c : cases) {
    inners.push_back(udp_packet(p.host_ip, ip(c.destination), 1, 2, pattern(40)));
    h.send_private(lan_frame(p, inners.back()));
  }
  // No route: 10.3.0.1 and 10.1.0.9 (our own LAN is not routed back).
  h.send_private(lan_frame(p, udp_packet(p.host_ip, ip("10.3.0.1"), 1, 2, pattern(40))));
  h.send_private(lan_frame(p, udp_packet(p.host_ip, ip("10.1.0.9"), 1, 2, pattern(40))));
  h.run();
  const std::vector<Bytes> out = h.take_public();
  BOOST_TEST_REQUIRE(out.size() == std::size(cases));
  for (std::size_t i = 0; i < out.size(); ++i) {
    BOOST_TEST_CONTEXT(cases[i].destination) {
      const Bytes esp_payload = check_outer(out[i], p, ip(cases[i].gateway));
      EspPeer peer(t.outbound, *cases[i].sa);  // a fresh window per packet
      const EspPeer::Opened opened = peer.open(esp_payload);
      BOOST_TEST_REQUIRE(opened.status == esp::DecryptStatus::kOk);
      BOOST_TEST(opened.spi == cases[i].sa->spi);
      BOOST_TEST(opened.inner == with_ttl(inners[i], 63));
    }
  }
  BOOST_TEST(h.worker().private_router().route_errors == 2u);
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(longest_prefix_match_ipv6) {
  const Site p = paris(Family::kIpv6), t = tokyo(Family::kIpv6);
  esp::SaParameters osaka_sa = t.outbound;
  osaka_sa.spi = 3001;
  osaka_sa.key[0] ^= 0x77;
  SiteOptions o;
  o.extra =
      "route6 { id osaka; gateway { ip 2001:db8:300::1; } net \"2001:db8:2:80::/57\";\n"
      "  preshared-key "
      "\"0000000000000000000000000000000000000000000000000000000000000001\"; spi 1235; }\n" +
      sa_entry("outbound-sa", "osaka", osaka_sa);
  GatewayHarness h(site_config(p, t, o));
  const Bytes to_tokyo = udp_packet(p.host_ip, ip("2001:db8:2:7f::1"), 1, 2, pattern(40));
  const Bytes to_osaka = udp_packet(p.host_ip, ip("2001:db8:2:ff::1"), 1, 2, pattern(40));
  h.send_private(lan_frame(p, to_tokyo));
  h.send_private(lan_frame(p, to_osaka));
  h.send_private(lan_frame(p, udp_packet(p.host_ip, ip("2001:db8:3::1"), 1, 2, pattern(40))));
  h.run();
  const std::vector<Bytes> out = h.take_public();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  EspPeer tokyo_peer(t.outbound, p.outbound), osaka_peer(t.outbound, osaka_sa);
  const auto a = tokyo_peer.open(check_outer(out[0], p, t.public_ip));
  const auto b = osaka_peer.open(check_outer(out[1], p, ip("2001:db8:300::1")));
  BOOST_TEST_REQUIRE(a.status == esp::DecryptStatus::kOk);
  BOOST_TEST_REQUIRE(b.status == esp::DecryptStatus::kOk);
  BOOST_TEST(a.inner == with_ttl(to_tokyo, 63));
  BOOST_TEST(b.inner == with_ttl(to_osaka, 63));
  BOOST_TEST(h.worker().private_router().route_errors == 1u);
}

BOOST_AUTO_TEST_CASE(queue_two_uses_its_gateway_or_the_lowest_queue_gateway) {
  // Two queues; route tokyo has a gateway per queue, route osaka only one
  // for queue 1 (PROTOCOL.md 3: queue 2 uses it too).
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  esp::SaParameters tokyo2 = p.outbound, osaka2 = p.outbound;
  tokyo2.spi = 4001;
  tokyo2.key[2] ^= 1;
  osaka2.spi = 4002;
  osaka2.key[3] ^= 1;
  const std::string text =
      "private-interface4 { ifname lan0; ip 10.1.0.1; mac 02:00:00:01:00:01; nexthop-ip 10.1.0.2;\n"
      "  nexthop-mac 02:00:00:01:00:02; }\n"
      "public-interface4 { ifname wan1; queue 1; ip 192.0.2.1; mac 02:00:00:01:01:01;\n"
      "  nexthop-ip 192.0.2.254; nexthop-mac 02:00:00:01:01:fe; }\n"
      "public-interface4 { ifname wan2; queue 2; ip 192.0.2.2; mac 02:00:00:01:02:01;\n"
      "  nexthop-ip 192.0.2.254; nexthop-mac 02:00:00:01:02:fe; }\n"
      "route4 { id tokyo; gateway { queue 2; ip 198.51.100.12; }\n"
      "  gateway { queue 1; ip 198.51.100.11; } net \"10.2.0.0/16\";\n"
      "  preshared-key "
      "\"0000000000000000000000000000000000000000000000000000000000000001\"; spi 1234; }\n"
      "route4 { id osaka; gateway { ip 198.51.100.21; } net \"10.3.0.0/16\";\n"
      "  preshared-key "
      "\"0000000000000000000000000000000000000000000000000000000000000002\"; spi 1235; }\n"
      "data-plane true;\n" +
      sa_entry("outbound-sa", "tokyo", p.outbound, 1) +
      sa_entry("outbound-sa", "tokyo", tokyo2, 2) + sa_entry("outbound-sa", "osaka", osaka2, 2);
  HarnessOptions options;
  options.queue = 2;
  GatewayHarness h(text, options);
  BOOST_TEST(h.worker().queue() == 2);
  const Bytes to_tokyo = udp_packet(p.host_ip, ip("10.2.0.7"), 1, 2, pattern(20));
  const Bytes to_osaka = udp_packet(p.host_ip, ip("10.3.0.7"), 1, 2, pattern(20));
  h.send_private(lan_frame(p, to_tokyo));
  h.send_private(lan_frame(p, to_osaka));
  h.run();
  const std::vector<Bytes> out = h.take_public();
  BOOST_TEST_REQUIRE(out.size() == 2u);
  Site q2 = p;  // queue 2's public side
  q2.public_ip = ip("192.0.2.2");
  q2.public_mac = mac("02:00:00:01:02:01");
  q2.public_nexthop_mac = mac("02:00:00:01:02:fe");
  EspPeer tokyo_peer(t.outbound, tokyo2), osaka_peer(t.outbound, osaka2);
  const auto a = tokyo_peer.open(check_outer(out[0], q2, ip("198.51.100.12")));
  const auto b = osaka_peer.open(check_outer(out[1], q2, ip("198.51.100.21")));
  BOOST_TEST_REQUIRE(a.status == esp::DecryptStatus::kOk);
  BOOST_TEST_REQUIRE(b.status == esp::DecryptStatus::kOk);
  BOOST_TEST(a.spi == 4001u);
  BOOST_TEST(b.spi == 4002u);
  BOOST_TEST(a.inner == with_ttl(to_tokyo, 63));
  BOOST_TEST(b.inner == with_ttl(to_osaka, 63));

  // The queue-1 worker of the same configuration uses the queue-1 gateway;
  // it has no SA for osaka (only queue 2 has one): a route error.
  GatewayHarness h1(text);
  h1.send_private(lan_frame(p, to_tokyo));
  h1.send_private(lan_frame(p, to_osaka));
  h1.run();
  const std::vector<Bytes> out1 = h1.take_public();
  BOOST_TEST_REQUIRE(out1.size() == 1u);
  EspPeer queue1_peer(t.outbound, p.outbound);
  const auto c = queue1_peer.open(check_outer(out1[0], p, ip("198.51.100.11")));
  BOOST_TEST_REQUIRE(c.status == esp::DecryptStatus::kOk);
  BOOST_TEST(c.inner == with_ttl(to_tokyo, 63));
  BOOST_TEST(h1.worker().private_router().route_errors == 1u);
}

BOOST_AUTO_TEST_CASE(tfc_pads_to_mtu_and_the_receiver_trims) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      SiteOptions o;
      o.tfc = true;
      o.mtu = 1440;
      GatewayHarness h(site_config(p, t, o));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes small = host_datagram(p, t, 30, kSeed);
      const Bytes full = host_datagram(p, t, 1440 - small.size() + 30, kSeed);  // exactly mtu
      BOOST_TEST_REQUIRE(full.size() == 1440u);
      h.send_private(lan_frame(p, small));
      h.send_private(lan_frame(p, full));
      h.run();
      const std::vector<Bytes> out = h.take_public();
      BOOST_TEST_REQUIRE(out.size() == 2u);
      for (std::size_t i = 0; i < 2; ++i) {
        const Bytes esp_payload = check_outer(out[i], p, t.public_ip);
        // 16 header + 1440 + 2 padding + 2 trailer + 16 ICV, both sizes.
        BOOST_TEST(esp_payload.size() == 16u + 1444u + 16u);
        const EspPeer::Opened opened = peer.open(esp_payload);
        BOOST_TEST_REQUIRE(opened.status == esp::DecryptStatus::kOk);
        BOOST_TEST_REQUIRE(opened.inner.size() == 1440u);
        const Bytes& sent = i == 0 ? small : full;
        Bytes expected = with_ttl(sent, 63);
        expected.resize(1440, 0);  // zero TFC padding
        BOOST_TEST(opened.inner == expected);
      }
      // Inbound: a TFC-padded packet from the peer is trimmed to its IP length.
      const Bytes inner = host_datagram(t, p, 100, kSeed);
      h.send_public(tunnel_frame(p, t, peer.seal(inner, 1440)));
      h.run();
      const std::vector<Bytes> in = h.take_private();
      BOOST_TEST_REQUIRE(in.size() == 1u);
      BOOST_TEST(in[0].size() == net::kEthernetHeaderSize + inner.size());
      const auto e = parse_ethernet(in[0]);
      BOOST_TEST(e->payload == with_ttl(inner, 63));
    }
  }
}

BOOST_AUTO_TEST_CASE(paris_and_tokyo_pass_traffic_both_ways) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness paris_gw(site_config(p, t));
      GatewayHarness tokyo_gw(site_config(t, p));
      // Forwards what one gateway sent on its public side to the other.
      auto carry = [](GatewayHarness& from, GatewayHarness& to, const Site& to_site) {
        std::size_t n = 0;
        for (const Bytes& frame : from.take_public()) {
          to.send_public(across_internet(frame, to_site));
          ++n;
        }
        return n;
      };
      for (std::uint8_t round = 0; round < 5; ++round) {
        const Bytes there = host_datagram(p, t, 64u + 100u * round, kSeed);
        const Bytes back = host_datagram(t, p, 1000u - 100u * round, kSeed);
        paris_gw.send_private(lan_frame(p, there));
        tokyo_gw.send_private(lan_frame(t, back));
        paris_gw.run();
        tokyo_gw.run();
        BOOST_TEST(carry(paris_gw, tokyo_gw, t) == 1u);
        BOOST_TEST(carry(tokyo_gw, paris_gw, p) == 1u);
        paris_gw.run();
        tokyo_gw.run();
        const std::vector<Bytes> at_tokyo = tokyo_gw.take_private();
        const std::vector<Bytes> at_paris = paris_gw.take_private();
        BOOST_TEST_REQUIRE(at_tokyo.size() == 1u);
        BOOST_TEST_REQUIRE(at_paris.size() == 1u);
        // Two hops: one decrement per gateway.
        BOOST_TEST(parse_ethernet(at_tokyo[0])->payload == with_ttl(there, 62));
        BOOST_TEST(parse_ethernet(at_paris[0])->payload == with_ttl(back, 62));
        BOOST_TEST(parse_ethernet(at_tokyo[0])->destination.to_string() ==
                   t.private_nexthop_mac.to_string());
      }
      for (GatewayHarness* g : {&paris_gw, &tokyo_gw}) {
        BOOST_TEST(g->worker().public_router().route_errors == 0u);
        BOOST_TEST(g->worker().public_dispatch().protocol_errors == 0u);
        BOOST_TEST(g->pool().available() == g->pool().count());
      }
      BOOST_TEST(tokyo_gw.worker().sas().inbound(p.outbound.spi)->window().highest() == 5u);
      BOOST_TEST(paris_gw.worker().sas().inbound(t.outbound.spi)->window().highest() == 5u);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_tunnel_shows_as_two_hops_to_traceroute) {
  // PROTOCOL.md 4: TTL 1 expires at paris, TTL 2 at tokyo; both answer
  // from their private addresses.
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness paris_gw(site_config(p, t));
      GatewayHarness tokyo_gw(site_config(t, p));
      const std::uint8_t time_exceeded = f == Family::kIpv4 ? 11 : 3;
      for (std::uint8_t ttl = 1; ttl <= 3; ++ttl) {
        const Bytes probe = host_datagram(p, t, 20, kSeed, ttl);
        paris_gw.send_private(lan_frame(p, probe));
        paris_gw.run();
        for (const Bytes& frame : paris_gw.take_public())
          tokyo_gw.send_public(across_internet(frame, t));
        tokyo_gw.run();
        for (const Bytes& frame : tokyo_gw.take_public())
          paris_gw.send_public(across_internet(frame, p));
        paris_gw.run();
        const std::vector<Bytes> at_paris = paris_gw.take_private();
        const std::vector<Bytes> at_tokyo = tokyo_gw.take_private();
        if (ttl == 3) {
          BOOST_TEST(at_paris.empty());
          BOOST_TEST_REQUIRE(at_tokyo.size() == 1u);
          BOOST_TEST(parse_ethernet(at_tokyo[0])->payload == with_ttl(probe, 1));
          continue;
        }
        BOOST_TEST(at_tokyo.empty());
        BOOST_TEST_REQUIRE(at_paris.size() == 1u);
        const auto error = parse_ip_frame(at_paris[0]);
        BOOST_TEST_REQUIRE(error.has_value());
        const auto icmp = parse_icmp(*error);
        BOOST_TEST_REQUIRE(icmp.has_value());
        BOOST_TEST(icmp->type == time_exceeded);
        BOOST_TEST(icmp->checksum_ok);
        const net::Address& hop = ttl == 1 ? p.private_ip : t.private_ip;
        BOOST_TEST(error->source.to_string() == hop.to_string());
        BOOST_TEST(error->destination.to_string() == p.host_ip.to_string());
        // From tokyo: 64, less one per gateway on the way back.
        BOOST_TEST(error->ttl == (ttl == 1 ? 64 : 62));
      }
      BOOST_TEST(paris_gw.pool().available() == paris_gw.pool().count());
      BOOST_TEST(tokyo_gw.pool().available() == tokyo_gw.pool().count());
    }
  }
}
