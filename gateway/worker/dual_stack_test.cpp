#define BOOST_TEST_MODULE worker_dual_stack
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
#include "testing/two_sites.hpp"
#include "worker/state_report.hpp"

// The dual-stack extension (docs/dual-stack.md) through a worker's
// pipeline: IPv4 private networks over an IPv6 internet and IPv6 over IPv4,
// one gateway, two gateways, with the key exchange.

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

constexpr std::uint8_t kSeed = 5;

std::uint8_t next_header_of(Family inner) {
  return inner == Family::kIpv4 ? 4 : 41;
}

std::size_t outer_header_size(Family outer) {
  return outer == Family::kIpv4 ? net::kIpv4HeaderSize : net::kIpv6HeaderSize;
}

Bytes across_internet(Bytes frame, const Site& to) {
  std::memcpy(frame.data(), to.public_mac.bytes.data(), 6);
  std::memcpy(frame.data() + 6, to.public_nexthop_mac.bytes.data(), 6);
  return frame;
}

}  // namespace

BOOST_AUTO_TEST_CASE(private_to_public_has_the_outer_family_and_the_inner_next_header) {
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      GatewayHarness h(site_config(p, t));
      BOOST_TEST((h.worker().family() == m.inner));
      BOOST_TEST((h.worker().public_family() == m.outer));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes inner = host_datagram(p, t, 300, kSeed);
      h.send_private(lan_frame(p, inner));
      h.run();
      const std::vector<Bytes> out = h.take_public();
      BOOST_TEST_REQUIRE(out.size() == 1u);
      const auto e = parse_ethernet(out[0]);
      BOOST_TEST_REQUIRE(e.has_value());
      BOOST_TEST(e->ethertype ==
                 (m.outer == Family::kIpv4 ? net::kEthertypeIpv4 : net::kEthertypeIpv6));
      const auto ip = parse_ip_frame(out[0]);
      BOOST_TEST_REQUIRE(ip.has_value());
      BOOST_TEST(ip->source.to_string() == p.public_ip.to_string());
      BOOST_TEST(ip->destination.to_string() == t.public_ip.to_string());
      BOOST_TEST(ip->protocol == net::kProtocolEsp);
      BOOST_TEST(ip->header_checksum_ok);
      const EspPeer::Opened o = peer.open(ip->payload);
      BOOST_TEST_REQUIRE(o.status == esp::DecryptStatus::kOk);
      BOOST_TEST(o.next_header == next_header_of(m.inner));
      BOOST_TEST(o.inner == with_ttl(inner, 63));
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(public_to_private_takes_esp_of_the_outer_family) {
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes inner = host_datagram(t, p, 700, kSeed);
      h.send_public(tunnel_frame(p, t, peer.seal(inner)));
      h.run();
      BOOST_TEST(h.take_public().empty());
      const std::vector<Bytes> out = h.take_private();
      BOOST_TEST_REQUIRE(out.size() == 1u);
      BOOST_TEST(out[0] == to_lan_frame(p, with_ttl(inner, 63)));
      const esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
      BOOST_TEST_REQUIRE(sa != nullptr);
      BOOST_TEST(sa->counters.protocol_errors == 0u);
      BOOST_TEST(h.worker().public_dispatch().protocol_errors == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_next_header_of_the_outer_family_is_a_counted_drop) {
  // The ESP next header must say the private network's family, whatever
  // the outer header's: an inner packet of the outer family (next header
  // and packet alike) is not forwarded.
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      const Bytes inner = host_datagram(t, p, 100, kSeed);
      // The right packet under the wrong next header.
      h.send_public(tunnel_frame(p, t, peer.seal_at(1, inner, next_header_of(m.outer))));
      // A packet of the outer family, truthfully labelled.
      const Site t_outer = tokyo(m.outer), p_outer = paris(m.outer);
      const Bytes other = host_datagram(t_outer, p_outer, 100, kSeed);
      h.send_public(tunnel_frame(p, t, peer.seal_at(2, other, next_header_of(m.outer))));
      h.run();
      BOOST_TEST(h.take_private().empty());
      BOOST_TEST(h.take_public().empty());
      const esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
      BOOST_TEST_REQUIRE(sa != nullptr);
      BOOST_TEST(sa->counters.protocol_errors == 2u);
      // The right one still passes.
      h.send_public(tunnel_frame(p, t, peer.seal_at(3, inner, next_header_of(m.inner))));
      h.run();
      BOOST_TEST(h.take_private().size() == 1u);
      BOOST_TEST(sa->counters.protocol_errors == 2u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(esp_of_the_inner_family_on_the_public_side_is_not_taken) {
  // The public interface is of the outer family: ESP in an outer header of
  // the private network's family, to an address the gateway does not own
  // on that side, is dropped by the dispatcher, not decrypted.
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      const Site p_inner = paris(m.inner), t_inner = tokyo(m.inner);
      GatewayHarness h(site_config(p, t));
      EspPeer peer(t.outbound, p.outbound);
      h.send_public(tunnel_frame(p_inner, t_inner, peer.seal(host_datagram(t, p, 80, kSeed))));
      h.run();
      BOOST_TEST(h.take_private().empty());
      const esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
      BOOST_TEST_REQUIRE(sa != nullptr);
      BOOST_TEST(sa->window().highest() == 0u);
      BOOST_TEST(h.worker().public_dispatch().ethertype_errors == 1u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(mtu_errors_answer_in_the_inner_family) {
  // mtu bounds the inner packet (CONFIG.md); the outer header of the other
  // family adds its own size on the wire: 20 bytes for IPv4, 40 for IPv6.
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      SiteOptions so;
      so.mtu = 1400;
      GatewayHarness h(site_config(p, t, so));
      IpOptions o;
      o.dont_fragment = true;
      const bool v4 = m.inner == Family::kIpv4;
      const std::size_t header = v4 ? 28 : 48;
      const Bytes offender = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(1401 - header), o);
      h.send_private(lan_frame(p, offender));
      h.run();
      BOOST_TEST(h.take_public().empty());
      const std::vector<Bytes> errors = h.take_private();
      BOOST_TEST_REQUIRE(errors.size() == 1u);
      const auto ip = parse_ip_frame(errors[0]);
      BOOST_TEST_REQUIRE(ip.has_value());
      BOOST_TEST(ip->source.to_string() == p.private_ip.to_string());
      BOOST_TEST(ip->destination.to_string() == p.host_ip.to_string());
      const auto icmp = parse_icmp(*ip);
      BOOST_TEST_REQUIRE(icmp.has_value());
      BOOST_TEST(icmp->checksum_ok);
      BOOST_TEST(icmp->type == (v4 ? 3 : 2));  // Fragmentation Needed / Packet Too Big
      BOOST_TEST(icmp->code == (v4 ? 4 : 0));
      BOOST_TEST(icmp->rest == 1400u);  // the next-hop MTU (IPv4: its low 16 bits)
      BOOST_TEST(h.worker().private_router().mtu_errors == 1u);
      // Exactly mtu passes, and leaves as mtu + ESP + the outer header.
      const Bytes fits = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(1400 - header), o);
      h.send_private(lan_frame(p, fits));
      h.run();
      const std::vector<Bytes> out = h.take_public();
      BOOST_TEST_REQUIRE(out.size() == 1u);
      // ESP: 8 header + 8 IV + 1400 + pad to 4 (2) + 2 trailer + 16 ICV.
      BOOST_TEST(out[0].size() ==
                 net::kEthernetHeaderSize + outer_header_size(m.outer) + 16 + 1400 + 2 + 2 + 16);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}

BOOST_AUTO_TEST_CASE(two_gateways_forward_both_ways_and_show_two_hops) {
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      GatewayHarness paris_gw(site_config(p, t));
      GatewayHarness tokyo_gw(site_config(t, p));
      const auto carry = [](GatewayHarness& from, GatewayHarness& to, const Site& to_site) {
        for (const Bytes& frame : from.take_public())
          to.send_public(across_internet(frame, to_site));
        to.run();
      };
      for (std::uint8_t round = 0; round < 3; ++round) {
        const Bytes there = host_datagram(p, t, 64u + 400u * round, kSeed);
        const Bytes back = host_datagram(t, p, 1200u - 400u * round, kSeed);
        paris_gw.send_private(lan_frame(p, there));
        tokyo_gw.send_private(lan_frame(t, back));
        paris_gw.run();
        tokyo_gw.run();
        carry(paris_gw, tokyo_gw, t);
        carry(tokyo_gw, paris_gw, p);
        const std::vector<Bytes> at_tokyo = tokyo_gw.take_private();
        const std::vector<Bytes> at_paris = paris_gw.take_private();
        BOOST_TEST_REQUIRE(at_tokyo.size() == 1u);
        BOOST_TEST_REQUIRE(at_paris.size() == 1u);
        BOOST_TEST(at_tokyo[0] == to_lan_frame(t, with_ttl(there, 62)));
        BOOST_TEST(at_paris[0] == to_lan_frame(p, with_ttl(back, 62)));
      }
      // Traceroute: TTL 2 expires at tokyo, answered in the inner family
      // from tokyo's private address, back through the tunnel.
      const Bytes probe = host_datagram(p, t, 20, kSeed, 2);
      paris_gw.send_private(lan_frame(p, probe));
      paris_gw.run();
      carry(paris_gw, tokyo_gw, t);
      BOOST_TEST(tokyo_gw.take_private().empty());
      carry(tokyo_gw, paris_gw, p);
      const std::vector<Bytes> at_paris = paris_gw.take_private();
      BOOST_TEST_REQUIRE(at_paris.size() == 1u);
      const auto error = parse_ip_frame(at_paris[0]);
      BOOST_TEST_REQUIRE(error.has_value());
      BOOST_TEST(error->source.to_string() == t.private_ip.to_string());
      const auto icmp = parse_icmp(*error);
      BOOST_TEST_REQUIRE(icmp.has_value());
      BOOST_TEST(icmp->type == (m.inner == Family::kIpv4 ? 11 : 3));
      for (GatewayHarness* g : {&paris_gw, &tokyo_gw}) {
        BOOST_TEST(g->worker().public_router().route_errors == 0u);
        BOOST_TEST(g->pool().available() == g->pool().count());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_public_address_answers_ping_in_the_outer_family) {
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      GatewayHarness h(site_config(p, t));
      h.send_public(wan_frame(p, echo_request(t.public_ip, p.public_ip, 7, 1, pattern(32))));
      h.run();
      const std::vector<Bytes> out = h.take_public();
      BOOST_TEST_REQUIRE(out.size() == 1u);
      const auto ip = parse_ip_frame(out[0]);
      BOOST_TEST_REQUIRE(ip.has_value());
      BOOST_TEST(ip->source.to_string() == p.public_ip.to_string());
      BOOST_TEST(ip->destination.to_string() == t.public_ip.to_string());
      const auto icmp = parse_icmp(*ip);
      BOOST_TEST_REQUIRE(icmp.has_value());
      BOOST_TEST(icmp->type == (m.outer == Family::kIpv4 ? 0 : 129));
      // The state names the public side's counters by its family.
      const worker::Worker* workers[] = {&h.worker()};
      const std::string state = worker::render_gateway_state(workers);
      const std::string outer = m.outer == Family::kIpv4 ? "4" : "6";
      const std::string inner = m.inner == Family::kIpv4 ? "4" : "6";
      BOOST_TEST(state.find("public-icmp" + outer + " {") != std::string::npos);
      BOOST_TEST(state.find("public-icmp" + inner + " {") == std::string::npos);
      BOOST_TEST(state.find("private-icmp" + inner + " {") != std::string::npos);
      BOOST_TEST(state.find("echo-request 1;") != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_key_exchange_runs_over_the_outer_family) {
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      TwoSitesOptions o;
      o.family = m.inner;
      o.public_family = m.outer;
      TwoSites sites(o);
      std::size_t exchange_frames = 0, wrong_family = 0;
      sites.set_filter([&](WanFrame& frame) -> std::size_t {
        if (frame.message_type()) {
          ++exchange_frames;
          const auto ip = parse_ip_frame(frame.bytes);
          if (!ip || ip->source.family != m.outer) ++wrong_family;
        }
        return 1;
      });
      sites.advance(2 * base::kSecond, 10 * base::kMillisecond);
      BOOST_TEST(exchange_frames > 0u);
      BOOST_TEST(wrong_family == 0u);
      for (const SiteId id : kBothSites) {
        BOOST_TEST(sites.worker(id).key_manager_counters().keypairs_negotiated >= 1u);
        BOOST_TEST(sites.worker(id).sas().outbound(0) != nullptr);
      }
      BOOST_TEST(round_trip(sites, 9));
    }
  }
}

BOOST_AUTO_TEST_CASE(queues_of_both_families_in_one_gateway) {
  // Queue 1 on IPv4, queue 2 on IPv6, one IPv4 route with a gateway of
  // each family: each queue's worker tunnels in its own family, and the
  // state lists the public side's ICMP counters of both.
  const Site p4 = paris(Family::kIpv4), t4 = tokyo(Family::kIpv4);
  const Site p6 = paris(Family::kIpv4, Family::kIpv6), t6 = tokyo(Family::kIpv4, Family::kIpv6);
  // Each queue its own key (a key on two queues would repeat its nonces).
  esp::SaParameters outbound2 = p4.outbound;
  outbound2.spi = 1003;
  outbound2.key[0] ^= 0xff;
  const std::string config =
      "private-interface4 { ifname lan0; ip " + p4.private_ip.to_string() + "; mac " +
      p4.private_mac.to_string() + "; nexthop-ip " + p4.private_nexthop_ip.to_string() +
      "; nexthop-mac " + p4.private_nexthop_mac.to_string() + "; }\n" +
      "public-interface4 { ifname wan0; ip " + p4.public_ip.to_string() + "; mac " +
      p4.public_mac.to_string() + "; nexthop-ip " + p4.public_nexthop_ip.to_string() +
      "; nexthop-mac " + p4.public_nexthop_mac.to_string() + "; }\n" +
      "public-interface6 { ifname wan1; queue 2; ip " + p6.public_ip2.to_string() + "; mac " +
      p6.public_mac2.to_string() + "; nexthop-ip " + p6.public_nexthop_ip.to_string() +
      "; nexthop-mac " + p6.public_nexthop_mac.to_string() + "; }\n" +
      "route4 { id tokyo; gateway { ip " + t4.public_ip.to_string() + "; } gateway { ip " +
      t6.public_ip.to_string() + "; queue 2; } net \"" + t4.private_net.to_string() +
      "\"; preshared-key \"" + kSamplePresharedKey + "\"; spi 1234; }\n" +
      "mtu 1440;\ndata-plane true;\n" + sa_entry("outbound-sa", "tokyo", p4.outbound, 1) +
      sa_entry("inbound-sa", "tokyo", t4.outbound, 1) +
      sa_entry("outbound-sa", "tokyo", outbound2, 2) +
      sa_entry("inbound-sa", "tokyo", t4.outbound, 2);
  HarnessOptions second;
  second.queue = 2;
  GatewayHarness q1(config), q2(config, second);
  BOOST_TEST((q1.worker().public_family() == Family::kIpv4));
  BOOST_TEST((q2.worker().public_family() == Family::kIpv6));
  const Bytes inner = host_datagram(p4, t4, 200, kSeed);
  for (GatewayHarness* h : {&q1, &q2}) {
    h->send_private(lan_frame(p4, inner));
    h->run();
  }
  const std::vector<Bytes> out1 = q1.take_public(), out2 = q2.take_public();
  BOOST_TEST_REQUIRE(out1.size() == 1u);
  BOOST_TEST_REQUIRE(out2.size() == 1u);
  const auto ip1 = parse_ip_frame(out1[0]), ip2 = parse_ip_frame(out2[0]);
  BOOST_TEST_REQUIRE((ip1.has_value() && ip2.has_value()));
  BOOST_TEST(ip1->source.to_string() == p4.public_ip.to_string());
  BOOST_TEST(ip1->destination.to_string() == t4.public_ip.to_string());
  BOOST_TEST(ip2->source.to_string() == p6.public_ip2.to_string());
  BOOST_TEST(ip2->destination.to_string() == t6.public_ip.to_string());
  EspPeer peer1(t4.outbound, p4.outbound), peer2(t4.outbound, outbound2);
  for (const auto& [ip, peer] : {std::pair{&ip1, &peer1}, std::pair{&ip2, &peer2}}) {
    const EspPeer::Opened o = peer->open((*ip)->payload);
    BOOST_TEST_REQUIRE(o.status == esp::DecryptStatus::kOk);
    BOOST_TEST(o.next_header == 4);
    BOOST_TEST(o.inner == with_ttl(inner, 63));
  }
  const worker::Worker* workers[] = {&q1.worker(), &q2.worker()};
  const std::string state = worker::render_gateway_state(workers);
  BOOST_TEST(state.find("public-icmp4 {") != std::string::npos);
  BOOST_TEST(state.find("public-icmp6 {") != std::string::npos);
  BOOST_TEST(state.find("private-icmp6 {") == std::string::npos);
}
