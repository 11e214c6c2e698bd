#define BOOST_TEST_MODULE nat_traversal
// NAT traversal (docs/NAT-TRAVERSAL.md): two gateways with udp-encapsulation,
// tokyo behind a port-translating NAT (testing::TwoSites::set_napt), carry
// ESP in UDP (RFC 3948) both ways; the peer's endpoint moves only after an
// authenticated packet; keepalives; the MTU; every bad input on the new path.
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "config/load.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/two_sites.hpp"
#include "tunnel/udp_encapsulation.hpp"
#include "worker/state_report.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

constexpr std::uint16_t kNatPort = 4500;

net::Address outside(Family family) {
  return ip(family == Family::kIpv4 ? "203.0.113.77" : "2001:db8:300::77");
}

// paris and tokyo with udp-encapsulation; tokyo is known to paris by the
// NAT's outside address (its nat-ip) and sits behind that NAT.
TwoSitesOptions nat_options(Family family, std::uint32_t keepalive_interval = 20) {
  TwoSitesOptions o;
  o.family = family;
  for (SiteOptions* site : {&o.paris, &o.tokyo}) {
    site->udp_encapsulation = true;
    site->extra =
        "nat-traversal { keepalive-interval " + std::to_string(keepalive_interval) + "; }\n";
  }
  o.tokyo.nat_ip = outside(family);
  o.paris.peer_gateway = outside(family);
  return o;
}

// Sends `count` datagrams from `from`'s LAN; returns how many arrived
// exactly (TTL decremented twice) on the other site's LAN.
std::size_t traffic(TwoSites& s, SiteId from, std::size_t count, std::uint8_t seed) {
  const Site& a = s.site(from);
  const Site& b = s.site(other_site(from));
  std::size_t arrived = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Bytes packet = host_datagram(a, b, 40 + 97 * i, static_cast<std::uint8_t>(seed + i));
    s.send_private(from, lan_frame(a, packet));
    s.run();
    for (const Bytes& got : s.take_private(other_site(from)))
      arrived += got == to_lan_frame(b, with_ttl(packet, 62));
  }
  return arrived;
}

struct Seen {
  std::size_t raw_esp = 0;
  std::size_t esp_in_udp = 0;
  std::size_t keepalives = 0;
  std::size_t marked_key_exchange = 0;
  std::size_t key_exchange_303 = 0;
};

// Counts what crosses the WAN (as delivered, after the NAT).
void watch(TwoSites& s, Seen& seen) {
  s.set_filter([&seen](WanFrame& frame) -> std::size_t {
    const auto ip = parse_ip_frame(frame.bytes);
    if (!ip) return 1;
    if (ip->protocol == net::kProtocolEsp) ++seen.raw_esp;
    if (ip->protocol != net::kProtocolUdp) return 1;
    const auto udp = parse_udp(*ip);
    if (!udp) return 1;
    if (udp->destination_port == 303) ++seen.key_exchange_303;
    if (udp->source_port != kNatPort && udp->destination_port != kNatPort) return 1;
    switch (tunnel::classify_udp_payload(udp->payload.data(), udp->payload.size())) {
      case tunnel::UdpPayload::kEsp:
        ++seen.esp_in_udp;
        break;
      case tunnel::UdpPayload::kKeepalive:
        ++seen.keepalives;
        break;
      case tunnel::UdpPayload::kKeyExchange:
        ++seen.marked_key_exchange;
        break;
      case tunnel::UdpPayload::kMalformed:
        break;
    }
    return 1;
  });
}

std::uint16_t paris_sees_tokyo_at(TwoSites& s) {
  return s.worker(SiteId::kParis).sas().udp_port(0);
}

}  // namespace

BOOST_AUTO_TEST_CASE(framing_of_esp_in_udp_and_keepalives) {
  for (const Family family : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(family)) {
      const bool v4 = family == Family::kIpv4;
      const net::Address a = ip(v4 ? "192.0.2.1" : "2001:db8::1");
      const net::Address b = ip(v4 ? "198.51.100.9" : "2001:db8::9");
      std::vector<std::uint8_t> buffer(200, 0xee);
      std::uint8_t* payload = buffer.data() + 100;
      const Bytes esp = {0, 0, 0x12, 0x34, 0, 0, 0, 1, 9, 9, 9, 9};
      std::copy(esp.begin(), esp.end(), payload);
      std::uint8_t* start = tunnel::write_udp_outer(payload, esp.size(), a, b, 4500, 40001);
      const std::size_t header = v4 ? 20 : 40;
      BOOST_TEST(payload - start == static_cast<std::ptrdiff_t>(header + 8));
      const Bytes packet(start, payload + esp.size());
      const auto view = parse_ip(packet);
      BOOST_TEST_REQUIRE(view.has_value());
      BOOST_TEST(view->protocol == net::kProtocolUdp);
      BOOST_TEST(view->ttl == 64);
      BOOST_TEST((view->source == a));
      BOOST_TEST((view->destination == b));
      BOOST_TEST(view->header_checksum_ok);
      const auto udp = parse_udp(*view);
      BOOST_TEST_REQUIRE(udp.has_value());
      BOOST_TEST(udp->source_port == 4500);
      BOOST_TEST(udp->destination_port == 40001);
      BOOST_TEST(udp->payload == esp);
      // RFC 3948 3.1.2: checksum 0 over IPv4; IPv6 needs a valid one.
      if (v4)
        BOOST_TEST(net::load16(start + header + 6) == 0);
      else
        BOOST_TEST(udp->checksum_ok);
    }
  }
  const std::uint8_t keepalive[] = {0xff};
  const std::uint8_t keepalive_and_more[] = {0xff, 0};
  const std::uint8_t marker[] = {0, 0, 0, 0, 0, 0, 4, 0xd2};
  const std::uint8_t short_esp[] = {0, 0, 1, 0, 0, 0, 1};
  const std::uint8_t esp[] = {0, 0, 1, 0, 0, 0, 0, 1};
  using tunnel::UdpPayload;
  BOOST_TEST((tunnel::classify_udp_payload(keepalive, 1) == UdpPayload::kKeepalive));
  BOOST_TEST((tunnel::classify_udp_payload(keepalive_and_more, 2) == UdpPayload::kMalformed));
  BOOST_TEST((tunnel::classify_udp_payload(marker, 8) == UdpPayload::kKeyExchange));
  BOOST_TEST((tunnel::classify_udp_payload(short_esp, 7) == UdpPayload::kMalformed));
  BOOST_TEST((tunnel::classify_udp_payload(esp, 8) == UdpPayload::kEsp));
  BOOST_TEST((tunnel::classify_udp_payload(esp, 0) == UdpPayload::kMalformed));
}

BOOST_AUTO_TEST_CASE(configuration_leaves) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  // Without the leaves: off, and the defaults.
  const auto plain = config::load(site_config(p, t, key_exchange_options()), "plain.conf");
  BOOST_TEST_REQUIRE(plain.ok());
  BOOST_TEST(!plain->uses_udp_encapsulation());
  BOOST_TEST(plain->nat_traversal.port == 4500);
  BOOST_TEST(plain->nat_traversal.keepalive_interval == 20u);

  SiteOptions o = key_exchange_options();
  o.udp_encapsulation = true;
  o.extra = "nat-traversal { port 4501; keepalive-interval 7; }\n";
  const auto on = config::load(site_config(p, t, o), "on.conf");
  BOOST_TEST_REQUIRE(on.ok());
  BOOST_TEST(on->routes[0].udp_encapsulation);
  BOOST_TEST(on->nat_traversal.port == 4501);
  BOOST_TEST(on->nat_traversal.keepalive_interval == 7u);

  const auto refused = [&](const std::string& extra, const std::string& words) {
    SiteOptions bad = o;
    bad.extra = extra;
    const auto loaded = config::load(site_config(p, t, bad), "bad.conf");
    BOOST_TEST_REQUIRE(!loaded.ok(), extra);
    BOOST_TEST(loaded.error().message.find(words) != std::string::npos, loaded.error().message);
  };
  refused("nat-traversal { port 303; }\n", "is also 'protocol-port'");
  refused("nat-traversal { port 0; }\n", "'port': expected an integer in 1..65535");
  refused("nat-traversal { keepalive-interval 3601; }\n", "expected an integer in 0..3600");
  refused("nat-traversal { mtu 1; }\n", "unknown name");
  refused("nat-traversal 4500;\n", "expected '{'");
  SiteOptions not_boolean = key_exchange_options();
  not_boolean.extra = "";
  std::string text = site_config(p, t, not_boolean);
  text.replace(text.find("  spi "), 0, "  udp-encapsulation yes;\n");
  const auto loaded = config::load(text, "bad.conf");
  BOOST_TEST_REQUIRE(!loaded.ok());
  BOOST_TEST(loaded.error().message.find("expected true or false") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_udp_encapsulation_a_port_translating_nat_stops_the_tunnel) {
  // What issue 16 is about: raw ESP has no port to translate, and the
  // key exchange's answers go to port 303, where the NAT has no mapping.
  TwoSitesOptions o = nat_options(Family::kIpv4);
  o.paris.udp_encapsulation = o.tokyo.udp_encapsulation = false;
  TwoSites s(o);
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  s.advance(2 * base::kSecond, 10 * base::kMillisecond);
  BOOST_TEST(s.worker(SiteId::kTokyo).key_manager()->routes_with_outbound_sa() == 0u);
  BOOST_TEST(traffic(s, SiteId::kParis, 2, 1) == 0u);
  BOOST_TEST(!s.worker(SiteId::kParis).nat_traversal());
}

BOOST_AUTO_TEST_CASE(tunnel_comes_up_through_a_port_translating_nat) {
  for (const Family family : kFamilies) {
    for (const auto hosting :
         {worker::KeyExchangeHosting::kInWorker, worker::KeyExchangeHosting::kSeparate}) {
      BOOST_TEST_CONTEXT(family_name(family)
                         << (hosting == worker::KeyExchangeHosting::kSeparate ? " separate"
                                                                              : " in worker")) {
        TwoSitesOptions o = nat_options(family);
        o.hosting = hosting;
        TwoSites s(o);
        s.set_napt(SiteId::kTokyo, 1, outside(family));
        Seen seen;
        watch(s, seen);
        s.run();
        for (const SiteId id : kBothSites)
          BOOST_TEST(s.worker(id).key_manager()->routes_with_outbound_sa() == 1u);
        // paris learned tokyo's translated port from the authenticated
        // exchange; tokyo still sends to paris's 4500.
        BOOST_TEST(paris_sees_tokyo_at(s) >= 40000);
        BOOST_TEST((s.worker(SiteId::kParis).sas().gateway(0) == outside(family)));
        BOOST_TEST(s.worker(SiteId::kTokyo).sas().udp_port(0) == kNatPort);
        BOOST_TEST(traffic(s, SiteId::kParis, 3, 1) == 3u);
        BOOST_TEST(traffic(s, SiteId::kTokyo, 3, 2) == 3u);
        BOOST_TEST(seen.raw_esp == 0u);
        BOOST_TEST(seen.key_exchange_303 == 0u);
        BOOST_TEST(seen.esp_in_udp == 6u);
        BOOST_TEST(seen.marked_key_exchange >= 4u);
        const state::NatTraversalCounters c = s.worker(SiteId::kParis).nat_traversal_counters();
        BOOST_TEST(c.endpoint_changes == 1u);
        BOOST_TEST(c.udp_errors == 0u);
        BOOST_TEST(c.encapsulation_errors == 0u);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(rebinding_is_followed_after_authenticated_esp) {
  TwoSites s(nat_options(Family::kIpv4));
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  BOOST_TEST_REQUIRE(traffic(s, SiteId::kParis, 1, 1) == 1u);
  const std::uint16_t before = paris_sees_tokyo_at(s);
  // The NAT forgets its mappings: paris's packets to the old port are lost
  // until tokyo's next authenticated packet comes through a new mapping.
  s.flush_napt(SiteId::kTokyo);
  BOOST_TEST(traffic(s, SiteId::kParis, 2, 3) == 0u);
  BOOST_TEST(paris_sees_tokyo_at(s) == before);
  BOOST_TEST(traffic(s, SiteId::kTokyo, 1, 5) == 1u);
  BOOST_TEST(paris_sees_tokyo_at(s) != before);
  BOOST_TEST(s.worker(SiteId::kParis).nat_traversal_counters().endpoint_changes == 2u);
  BOOST_TEST(traffic(s, SiteId::kParis, 3, 6) == 3u);
}

BOOST_AUTO_TEST_CASE(rebinding_is_followed_after_an_authenticated_key_exchange) {
  // No keepalives (interval 0) and no traffic: tokyo's rekey (20 to 25 s)
  // is the first thing through the new mapping, and teaches paris.
  TwoSitesOptions o = nat_options(Family::kIpv4, 0);
  o.paris.sa_ttl = o.tokyo.sa_ttl = 40;
  o.paris.negotiation_ttl = o.tokyo.negotiation_ttl = 2;
  TwoSites s(o);
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  const std::uint16_t before = paris_sees_tokyo_at(s);
  s.flush_napt(SiteId::kTokyo);
  s.advance(19 * base::kSecond, 50 * base::kMillisecond);
  BOOST_TEST(paris_sees_tokyo_at(s) == before);
  const std::uint64_t negotiated = s.worker(SiteId::kParis).key_manager_counters().keypairs_offered;
  s.advance(8 * base::kSecond, 50 * base::kMillisecond);
  BOOST_TEST(s.worker(SiteId::kParis).key_manager_counters().keypairs_offered > negotiated);
  BOOST_TEST(paris_sees_tokyo_at(s) != before);
  BOOST_TEST(s.worker(SiteId::kParis).nat_traversal_counters().esp_keepalives_received == 0u);
  BOOST_TEST(traffic(s, SiteId::kParis, 2, 9) == 2u);
}

BOOST_AUTO_TEST_CASE(unauthenticated_packets_never_move_the_endpoint) {
  TwoSites s(nat_options(Family::kIpv4));
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  std::vector<WanFrame> captured;
  s.set_filter([&](WanFrame& frame) -> std::size_t {
    if (frame.to == SiteId::kParis) captured.push_back(frame);
    return 1;
  });
  s.run();
  BOOST_TEST_REQUIRE(traffic(s, SiteId::kTokyo, 1, 1) == 1u);
  const std::uint16_t port = paris_sees_tokyo_at(s);
  const net::Address address = s.worker(SiteId::kParis).sas().gateway(0);
  const auto esp_frames = [&] {
    std::vector<Bytes> out;
    for (const WanFrame& f : captured) {
      const auto ipv = parse_ip_frame(f.bytes);
      const auto udp = ipv ? parse_udp(*ipv) : std::nullopt;
      if (udp && tunnel::classify_udp_payload(udp->payload.data(), udp->payload.size()) ==
                     tunnel::UdpPayload::kEsp)
        out.push_back(f.bytes);
    }
    return out;
  };
  const std::vector<Bytes> esp = esp_frames();
  BOOST_TEST_REQUIRE(esp.size() == 1u);
  const std::size_t udp_at = net::kEthernetHeaderSize + net::kIpv4HeaderSize;
  // From another port and another address.
  const auto moved = [&](Bytes frame, std::uint16_t source_port) {
    net::store16(frame.data() + udp_at, source_port);
    // As paris's public port receives it (the WAN writes the Ethernet
    // header when it delivers).
    const Site& p = s.site(SiteId::kParis);
    std::copy(p.public_mac.bytes.begin(), p.public_mac.bytes.end(), frame.begin());
    std::copy(p.public_nexthop_mac.bytes.begin(), p.public_nexthop_mac.bytes.end(),
              frame.begin() + 6);
    std::uint8_t* ipv4 = frame.data() + net::kEthernetHeaderSize;
    ipv4[15] ^= 0x01;  // last byte of the source address
    net::store16(ipv4 + 10, 0);
    net::store16(ipv4 + 10, net::checksum(ipv4, net::kIpv4HeaderSize));
    return frame;
  };
  worker::Worker& w = s.worker(SiteId::kParis);
  const auto decrypt_errors = [&] {
    std::uint64_t n = 0;
    w.sas().for_each_inbound(
        [&](std::uint32_t, const esp::InboundSa& sa) { n += sa.counters.decrypt_errors; });
    return n;
  };
  // 1. A replay of an authentic packet from elsewhere: fails the replay check.
  s.send_public(SiteId::kParis, moved(esp[0], 50001));
  s.run();
  BOOST_TEST(decrypt_errors() == 1u);

  // 2. A forged one (ICV fails), sequence number ahead.
  Bytes forged = moved(esp[0], 50002);
  forged[udp_at + 8 + 7] ^= 0x40;  // sequence number
  forged[forged.size() - 1] ^= 0x01;
  s.send_public(SiteId::kParis, forged);
  s.run();
  BOOST_TEST(decrypt_errors() == 2u);
  // 3. A keepalive and a knock from elsewhere.
  const net::Address stranger = ip("203.0.113.99");
  Bytes keepalive = ip_frame(
      s.site(SiteId::kParis).public_mac, s.site(SiteId::kParis).public_nexthop_mac,
      udp_packet(stranger, s.public_ip(SiteId::kParis), 50003, kNatPort, {tunnel::kNatKeepalive}));
  s.send_public(SiteId::kParis, keepalive);
  Bytes knock = {0, 0, 0, 0, 0, 0, 0x04, 0xd2, 11, 0, 0, 0, 0, 0, 0, 5};  // marker, SPI 1234
  s.send_public(
      SiteId::kParis,
      ip_frame(s.site(SiteId::kParis).public_mac, s.site(SiteId::kParis).public_nexthop_mac,
               udp_packet(stranger, s.public_ip(SiteId::kParis), 50004, kNatPort, knock)));
  s.run();
  BOOST_TEST(w.nat_traversal_counters().keepalives_received == 1u);
  BOOST_TEST(w.key_manager_counters().challenges_offered == 2u);  // answered, not learned
  BOOST_TEST(paris_sees_tokyo_at(s) == port);
  BOOST_TEST((w.sas().gateway(0) == address));
  BOOST_TEST(w.nat_traversal_counters().endpoint_changes == 1u);
  BOOST_TEST(traffic(s, SiteId::kParis, 2, 3) == 2u);
}

BOOST_AUTO_TEST_CASE(keepalives_every_interval_both_ways) {
  TwoSites s(nat_options(Family::kIpv4, 5));
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  Seen seen;
  watch(s, seen);
  s.run();
  s.advance(16 * base::kSecond, 100 * base::kMillisecond);
  // Three rounds from each side in 16 s (at 5, 10, 15 s); tokyo's reach
  // paris; paris's reach tokyo through the mapping tokyo keeps open.
  BOOST_TEST(seen.keepalives == 6u);
  for (const SiteId id : kBothSites) {
    const auto c = s.worker(id).nat_traversal_counters();
    BOOST_TEST(c.keepalives_sent == 3u);
    BOOST_TEST(c.keepalives_received == 3u);
    BOOST_TEST(c.esp_keepalives_sent == 3u);
    BOOST_TEST(c.esp_keepalives_received == 3u);
  }
  BOOST_TEST(seen.esp_in_udp == 6u);  // the ESP keepalives; no traffic
  BOOST_TEST(s.take_private(SiteId::kParis).empty());
  BOOST_TEST(s.take_private(SiteId::kTokyo).empty());
}

BOOST_AUTO_TEST_CASE(one_way_traffic_recovers_within_a_keepalive_interval_of_a_rebinding) {
  // All traffic flows paris -> tokyo: nothing tokyo sends but keepalives.
  // The 0xff ones teach nothing; the ESP one (authenticated) moves paris's
  // record to the new mapping.
  TwoSites s(nat_options(Family::kIpv4, 5));
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  BOOST_TEST_REQUIRE(traffic(s, SiteId::kParis, 1, 1) == 1u);
  const std::uint16_t before = paris_sees_tokyo_at(s);
  s.flush_napt(SiteId::kTokyo);
  std::size_t lost = 0, arrived = 0;
  for (int tenth = 0; tenth < 60; ++tenth) {  // 6 s, a datagram every 100 ms
    const std::size_t got = traffic(s, SiteId::kParis, 1, static_cast<std::uint8_t>(tenth));
    arrived += got;
    lost += 1 - got;
    s.advance(100 * base::kMillisecond, 10 * base::kMillisecond);
  }
  BOOST_TEST(paris_sees_tokyo_at(s) != before);
  BOOST_TEST(lost > 0u);
  BOOST_TEST(lost <= 51u);  // until tokyo's first ESP keepalive, 5 s after it started
  BOOST_TEST(arrived >= 9u);
  BOOST_TEST(traffic(s, SiteId::kParis, 3, 99) == 3u);
}

BOOST_AUTO_TEST_CASE(keepalive_interval_zero_sends_none) {
  TwoSites s(nat_options(Family::kIpv4, 0));
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  s.advance(30 * base::kSecond, 500 * base::kMillisecond);
  BOOST_TEST(s.worker(SiteId::kTokyo).nat_traversal_counters().keepalives_sent == 0u);
}

BOOST_AUTO_TEST_CASE(mtu_takes_the_udp_header_into_account) {
  for (const Family family : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(family)) {
      TwoSites s(nat_options(family));
      s.set_napt(SiteId::kTokyo, 1, outside(family));
      s.run();
      const Site& a = s.site(SiteId::kParis);
      const Site& b = s.site(SiteId::kTokyo);
      const std::size_t header = family == Family::kIpv4 ? 28 : 48;  // IP + UDP
      // mtu 1440 (sample sites): 1432 of inner packet fit, 1433 do not.
      IpOptions df;
      df.dont_fragment = true;
      const Bytes fits = udp_packet(a.host_ip, b.host_ip, 4000, 5000, pattern(1432 - header), df);
      const Bytes too_big =
          udp_packet(a.host_ip, b.host_ip, 4000, 5000, pattern(1433 - header), df);
      s.send_private(SiteId::kParis, lan_frame(a, fits));
      s.run();
      BOOST_TEST(s.take_private(SiteId::kTokyo).size() == 1u);
      s.send_private(SiteId::kParis, lan_frame(a, too_big));
      s.run();
      BOOST_TEST(s.take_private(SiteId::kTokyo).empty());
      const std::vector<Bytes> back = s.take_private(SiteId::kParis);
      BOOST_TEST_REQUIRE(back.size() == 1u);
      const auto ipv = parse_ip_frame(back[0]);
      BOOST_TEST_REQUIRE(ipv.has_value());
      const auto icmp = parse_icmp(*ipv);
      BOOST_TEST_REQUIRE(icmp.has_value());
      if (family == Family::kIpv4) {
        BOOST_TEST(icmp->type == 3);
        BOOST_TEST(icmp->code == 4);
        BOOST_TEST((icmp->rest & 0xffff) == 1432u);
      } else {
        BOOST_TEST(icmp->type == 2);
        BOOST_TEST(icmp->rest == 1432u);
      }
      BOOST_TEST(s.worker(SiteId::kParis).private_router().mtu_errors == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_input_on_the_nat_traversal_port) {
  // paris, data plane: route "tokyo" (static SAs, plain ESP) and route
  // "osaka" with udp-encapsulation, so the NAT-traversal port is open.
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  SiteOptions o;
  o.extra =
      "route4 { id osaka; gateway { ip 203.0.113.50; } net \"10.3.0.0/16\"; preshared-key "
      "\"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\"; spi 999; "
      "udp-encapsulation true; }\n";
  GatewayHarness g(site_config(p, t, o));
  worker::Worker& w = g.worker();
  BOOST_TEST_REQUIRE(w.nat_traversal());
  const auto from_wan = [&](std::uint16_t destination_port, const Bytes& payload) {
    g.send_public(
        wan_frame(p, udp_packet(t.public_ip, p.public_ip, 4500, destination_port, payload)));
    g.run();
  };
  EspPeer tokyo_peer(t.outbound, p.outbound);
  const Bytes esp = tokyo_peer.seal(host_datagram(t, p, 60));

  // ESP in UDP for an SA of a plain-ESP route: dropped before decryption.
  from_wan(kNatPort, esp);
  BOOST_TEST(w.nat_traversal_counters().encapsulation_errors == 1u);
  BOOST_TEST(g.take_private().empty());
  // The same as plain ESP is fine.
  g.send_public(tunnel_frame(p, t, esp));
  g.run();
  BOOST_TEST(g.take_private().size() == 1u);
  // Unknown SPI.
  Bytes unknown = esp;
  unknown[2] ^= 0x55;
  from_wan(kNatPort, unknown);
  BOOST_TEST(w.public_router().route_errors == 1u);
  // Too short for ESP, a keepalive with more bytes, an empty datagram.
  from_wan(kNatPort, {0, 0, 8, 0x11, 0, 0, 1});
  from_wan(kNatPort, {0xff, 0xff});
  from_wan(kNatPort, {});
  BOOST_TEST(w.nat_traversal_counters().udp_errors == 3u);
  // A UDP length that disagrees with the IP length.
  Bytes lying = wan_frame(p, udp_packet(t.public_ip, p.public_ip, 4500, kNatPort, esp));
  const std::size_t udp_at = net::kEthernetHeaderSize + net::kIpv4HeaderSize;
  net::store16(lying.data() + udp_at + 4, static_cast<std::uint16_t>(esp.size()));
  g.send_public(lying);
  g.run();
  BOOST_TEST(w.nat_traversal_counters().udp_errors == 4u);
  // A keepalive: counted, dropped. At the key exchange's port it is not
  // one: a key-exchange protocol error (data plane: a dispatch error).
  from_wan(kNatPort, {0xff});
  BOOST_TEST(w.nat_traversal_counters().keepalives_received == 1u);
  const std::uint64_t protocol_errors = w.public_dispatch().protocol_errors;
  from_wan(303, {0xff});
  BOOST_TEST(w.public_dispatch().protocol_errors == protocol_errors + 1);
  // The marker on a gateway without key exchange.
  from_wan(kNatPort, {0, 0, 0, 0, 0, 0, 3, 0xe7, 11, 0, 0, 0, 0, 0, 0, 5});
  BOOST_TEST(w.nat_traversal_counters().udp_errors == 5u);
  BOOST_TEST(g.take_public().empty());
  BOOST_TEST(g.take_private().empty());
}

BOOST_AUTO_TEST_CASE(key_exchange_bad_input_on_the_two_ports) {
  // A marked message for a plain route, and a plain one for a udp route,
  // are protocol errors; a keepalive at the key exchange's port too.
  TwoSitesOptions o = nat_options(Family::kIpv4);
  TwoSites s(o);
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  worker::Worker& w = s.worker(SiteId::kParis);
  const Site& p = s.site(SiteId::kParis);
  const std::uint64_t before = w.key_manager_counters().protocol_errors;
  const Bytes knock = {0, 0, 0x04, 0xd2, 11, 0, 0, 0, 0, 0, 0, 5};
  s.send_public(SiteId::kParis, key_exchange_frame(p, p.public_ip, outside(Family::kIpv4), knock));
  s.run();
  BOOST_TEST(w.key_manager_counters().protocol_errors == before + 1);
  s.send_public(SiteId::kParis,
                key_exchange_frame(p, p.public_ip, outside(Family::kIpv4), {0xff}, 303));
  s.run();
  BOOST_TEST(w.key_manager_counters().protocol_errors == before + 2);
  // Marked, but the marker is not followed by a message.
  s.send_public(SiteId::kParis, key_exchange_frame(p, p.public_ip, outside(Family::kIpv4),
                                                   {0, 0, 0, 0, 1}, kNatPort));
  s.run();
  BOOST_TEST(w.key_manager_counters().protocol_errors == before + 3);
  BOOST_TEST(w.key_manager_counters().challenges_offered == 1u);
}

BOOST_AUTO_TEST_CASE(gateway_state_shows_the_counters_only_when_used) {
  TwoSites plain{TwoSitesOptions{}};
  const worker::Worker* plain_worker[] = {&plain.worker(SiteId::kParis)};
  BOOST_TEST(!plain.worker(SiteId::kParis).nat_traversal());
  BOOST_TEST(worker::render_gateway_state(plain_worker, {}).find("nat-traversal") ==
             std::string::npos);
  TwoSites s(nat_options(Family::kIpv4));
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  const worker::Worker* nat_worker[] = {&s.worker(SiteId::kParis)};
  const std::string state = worker::render_gateway_state(nat_worker, {});
  BOOST_TEST(state.find("  nat-traversal {\n    keepalives-received 0;\n    keepalives-sent "
                        "0;\n    udp-errors 0;\n    encapsulation-errors 0;\n    "
                        "endpoint-changes 1;\n    esp-keepalives-received 0;\n    "
                        "esp-keepalives-sent 0;\n  }\n") != std::string::npos,
             state);
}

BOOST_AUTO_TEST_CASE(a_late_packet_from_the_old_mapping_does_not_move_the_endpoint_back) {
  TwoSites s(nat_options(Family::kIpv4));
  s.set_napt(SiteId::kTokyo, 1, outside(Family::kIpv4));
  s.run();
  BOOST_TEST_REQUIRE(traffic(s, SiteId::kTokyo, 1, 1) == 1u);
  const std::uint16_t old_port = paris_sees_tokyo_at(s);
  // Hold back tokyo's next ESP packet (old mapping), rebind, then let it in.
  std::optional<WanFrame> held;
  s.set_filter([&](WanFrame& frame) -> std::size_t {
    if (held || frame.to != SiteId::kParis) return 1;
    const auto ipv = parse_ip_frame(frame.bytes);
    const auto udp = ipv ? parse_udp(*ipv) : std::nullopt;
    if (!udp || tunnel::classify_udp_payload(udp->payload.data(), udp->payload.size()) !=
                    tunnel::UdpPayload::kEsp)
      return 1;
    held = frame;
    return 0;
  });
  BOOST_TEST(traffic(s, SiteId::kTokyo, 1, 2) == 0u);
  BOOST_TEST_REQUIRE(held.has_value());
  s.flush_napt(SiteId::kTokyo);
  BOOST_TEST(traffic(s, SiteId::kTokyo, 1, 3) == 1u);
  const std::uint16_t new_port = paris_sees_tokyo_at(s);
  BOOST_TEST(new_port != old_port);
  s.deliver(*held);  // authentic, not a replay, but older than the newest
  s.run();
  BOOST_TEST(s.take_private(SiteId::kParis).size() == 1u);
  BOOST_TEST(paris_sees_tokyo_at(s) == new_port);
  BOOST_TEST(traffic(s, SiteId::kParis, 2, 4) == 2u);
}
