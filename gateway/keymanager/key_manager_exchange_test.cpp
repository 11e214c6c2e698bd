#define BOOST_TEST_MODULE key_manager_exchange
// Two gateways configured only with routes and pre-shared keys negotiate
// their SAs with vita-ske v5 (PROTOCOL.md 2) and carry traffic both ways.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "net/headers.hpp"
#include "testing/frame_view.hpp"
#include "testing/two_sites.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

// The counters of one gateway queue after it initiated one exchange and
// answered one (both ends knock at start-up).
state::KeyManagerCounters after_clean_bring_up() {
  state::KeyManagerCounters c;
  c.negotiations_initiated = 1;
  c.challenges_offered = 1;
  c.challenges_accepted = 1;
  c.keypairs_offered = 1;
  c.keypairs_negotiated = 1;
  return c;
}

void check_counters(const state::KeyManagerCounters& actual,
                    const state::KeyManagerCounters& expected) {
  const auto a = counter_values(actual), e = counter_values(expected);
  for (std::size_t i = 0; i < a.size(); ++i)
    BOOST_TEST_CONTEXT(a[i].first) {
      BOOST_TEST(a[i].second == e[i].second);
    }
}

std::set<std::uint32_t> inbound_spis(const tunnel::SaDatabase& sas, std::uint32_t route) {
  std::set<std::uint32_t> out;
  sas.for_each_inbound([&](std::uint32_t r, const esp::InboundSa& sa) {
    if (r == route) out.insert(sa.spi());
  });
  return out;
}

// Sends `count` datagrams from `from`'s LAN (on `queue`) and checks each
// arrives on the other site's LAN exactly, TTL decremented twice.
void check_traffic(TwoSites& s, SiteId from, std::uint16_t queue, std::size_t count,
                   std::uint8_t seed) {
  const Site& a = s.site(from);
  const Site& b = s.site(other_site(from));
  for (std::size_t i = 0; i < count; ++i) {
    const Bytes packet = host_datagram(a, b, 40 + 97 * i, static_cast<std::uint8_t>(seed + i));
    s.send_private(from, lan_frame(a, packet), queue);
    s.run();
    const std::vector<Bytes> got = s.take_private(other_site(from), queue);
    BOOST_TEST_REQUIRE(got.size() == 1u);
    BOOST_TEST(got[0] == to_lan_frame(b, with_ttl(packet, 62)));
  }
}

// Captures what is written to stderr (fd 2) while alive.
class StderrCapture {
 public:
  StderrCapture() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    saved_ = dup(2);
    dup2(fileno(file_), 2);
  }
  ~StderrCapture() {
    if (file_ != nullptr) stop();
  }
  std::string stop() {
    std::fflush(stderr);
    dup2(saved_, 2);
    close(saved_);
    std::string text;
    std::rewind(file_);
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, file_))
      text.append(buffer, n);
    std::fclose(file_);
    file_ = nullptr;
    return text;
  }

 private:
  std::FILE* file_ = nullptr;
  int saved_ = -1;
};

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'f') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(routes_and_keys_alone_bring_the_tunnel_up) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      TwoSitesOptions o;
      o.family = f;
      TwoSites s(o);
      s.run();
      for (const SiteId id : kBothSites) {
        BOOST_TEST_CONTEXT(s.site(id).name) {
          worker::Worker& w = s.worker(id);
          check_counters(w.key_manager_counters(), after_clean_bring_up());
          BOOST_TEST(w.key_manager()->routes_with_outbound_sa() == 1u);
          BOOST_TEST(w.key_manager()->negotiations_in_flight() == 0u);
          // One exchange each way: two inbound SAs, one outbound active.
          BOOST_TEST(w.sas().inbound_count() == 2u);
          BOOST_TEST_REQUIRE(w.sas().outbound(0) != nullptr);
          // The outbound SA is one of the peer's inbound SAs.
          const auto peer = inbound_spis(s.worker(other_site(id)).sas(), 0);
          BOOST_TEST(peer.count(w.sas().outbound(0)->spi()) == 1u);
        }
      }
      // Four messages each way, nothing else.
      BOOST_TEST(s.wan_delivered() == 8u);
      BOOST_TEST(s.wan_unroutable() == 0u);
      check_traffic(s, SiteId::kParis, 1, 3, 1);
      check_traffic(s, SiteId::kTokyo, 1, 3, 2);

      // The second exchange's outbound SA takes over after 1.5 x
      // negotiation-ttl (default 5 s), and traffic goes on.
      s.advance(7 * base::kSecond + 400 * base::kMillisecond, 100 * base::kMillisecond);
      for (const SiteId id : kBothSites)
        BOOST_TEST(s.worker(id).key_manager_counters().outbound_sa_updated == 0u);
      s.advance(200 * base::kMillisecond, 100 * base::kMillisecond);
      for (const SiteId id : kBothSites) {
        BOOST_TEST_CONTEXT(s.site(id).name) {
          state::KeyManagerCounters expected = after_clean_bring_up();
          expected.outbound_sa_updated = 1;
          check_counters(s.worker(id).key_manager_counters(), expected);
          const auto peer = inbound_spis(s.worker(other_site(id)).sas(), 0);
          BOOST_TEST(peer.count(s.worker(id).sas().outbound(0)->spi()) == 1u);
        }
      }
      check_traffic(s, SiteId::kParis, 1, 2, 3);
      check_traffic(s, SiteId::kTokyo, 1, 2, 4);
      BOOST_TEST(s.wan_delivered() == 8u + 2 * 5);
    }
  }
}

BOOST_AUTO_TEST_CASE(each_queue_negotiates_with_its_own_identity) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      TwoSitesOptions o;
      o.family = f;
      o.paris.queues = o.tokyo.queues = 2;
      TwoSites s(o);
      // Key-exchange messages travel only between the matching queues,
      // from and to the queue's own address.
      std::size_t messages = 0, misrouted = 0;
      s.set_filter([&](WanFrame& frame) -> std::size_t {
        if (!frame.message_type()) return 1;
        ++messages;
        const auto ip = parse_ip_frame(frame.bytes);
        misrouted += frame.from_queue != frame.to_queue ||
                     ip->source != s.public_ip(frame.from, frame.from_queue) ||
                     ip->destination != s.public_ip(frame.to, frame.to_queue);
        return 1;
      });
      s.run();
      BOOST_TEST(messages == 16u);
      BOOST_TEST(misrouted == 0u);
      for (const SiteId id : kBothSites) {
        for (std::uint16_t q = 1; q <= 2; ++q) {
          BOOST_TEST_CONTEXT(s.site(id).name << " queue " << q) {
            worker::Worker& w = s.worker(id, q);
            check_counters(w.key_manager_counters(), after_clean_bring_up());
            BOOST_TEST(w.sas().inbound_count() == 2u);
            BOOST_TEST_REQUIRE(w.sas().outbound(0) != nullptr);
            // The outbound SA is an inbound SA of the peer's same queue.
            BOOST_TEST(inbound_spis(s.worker(other_site(id), q).sas(), 0)
                           .count(w.sas().outbound(0)->spi()) == 1u);
          }
        }
      }
      std::size_t esp_frames = 0, esp_misrouted = 0;
      s.set_filter([&](WanFrame& frame) -> std::size_t {
        if (!frame.is_esp()) return 1;
        ++esp_frames;
        const auto ip = parse_ip_frame(frame.bytes);
        esp_misrouted += frame.from_queue != frame.to_queue ||
                         ip->source != s.public_ip(frame.from, frame.from_queue);
        return 1;
      });
      for (std::uint16_t q = 1; q <= 2; ++q) {
        BOOST_TEST_CONTEXT("queue " << q) {
          check_traffic(s, SiteId::kParis, q, 2, static_cast<std::uint8_t>(10 * q));
          check_traffic(s, SiteId::kTokyo, q, 2, static_cast<std::uint8_t>(10 * q + 5));
        }
      }
      BOOST_TEST(esp_frames == 8u);
      BOOST_TEST(esp_misrouted == 0u);

      // SAs are keyed by (spi, queue): an ESP packet of queue 1's SA sent
      // to queue 2 finds no SA there (public-router route-errors).
      Bytes captured;
      s.set_filter([&](WanFrame& frame) -> std::size_t {
        if (frame.is_esp() && frame.to == SiteId::kTokyo) captured = frame.bytes;
        return 1;
      });
      const Site& p = s.site(SiteId::kParis);
      const Site& t = s.site(SiteId::kTokyo);
      s.send_private(SiteId::kParis, lan_frame(p, host_datagram(p, t, 100)), 1);
      s.run();
      BOOST_TEST(s.take_private(SiteId::kTokyo, 1).size() == 1u);
      BOOST_TEST_REQUIRE(!captured.empty());
      const auto outer = parse_ip_frame(captured);
      const std::uint32_t spi = net::load32(outer->payload.data());
      BOOST_TEST(inbound_spis(s.worker(SiteId::kTokyo, 2).sas(), 0).count(spi) == 0u);
      const std::uint64_t before = s.worker(SiteId::kTokyo, 2).public_router().route_errors;
      s.send_public(
          SiteId::kTokyo,
          ip_frame(t.public_mac2, t.public_nexthop_mac,
                   ip_packet(p.public_ip2, t.public_ip2, net::kProtocolEsp, outer->payload)),
          2);
      s.run();
      BOOST_TEST(s.take_private(SiteId::kTokyo, 2).empty());
      BOOST_TEST(s.worker(SiteId::kTokyo, 2).public_router().route_errors == before + 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(completion_is_logged_with_spis_and_no_key) {
  StderrCapture capture;
  TwoSites s;
  s.run();
  const std::string log = capture.stop();
  // Each side logs its two exchanges with the SPIs it installed.
  for (const SiteId id : kBothSites) {
    const tunnel::SaDatabase& own = s.worker(id).sas();
    const auto inbound = inbound_spis(own, 0);
    BOOST_TEST_REQUIRE(inbound.size() == 2u);
    for (const std::uint32_t spi : inbound) {
      bool logged = false;
      for (const std::uint32_t peer : inbound_spis(s.worker(other_site(id)).sas(), 0)) {
        const std::string line = "Completed AKE for '" + s.site(other_site(id)).name +
                                 "' (inbound SA " + std::to_string(spi) + ", outbound SA " +
                                 std::to_string(peer) + ")\n";
        logged = logged || log.find(line) != std::string::npos;
      }
      BOOST_TEST(logged, "inbound SA " << spi << " not in the log:\n" << log);
    }
  }
  std::size_t lines = 0;
  for (const char c : log)
    lines += c == '\n';
  BOOST_TEST(lines == 4u);
  BOOST_TEST(log.find(kSamplePresharedKey) == std::string::npos);
  BOOST_TEST(log.find(upper(kSamplePresharedKey)) == std::string::npos);
  BOOST_TEST(log.find("00112233") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(nat_ip_is_the_identity_behind_a_nat) {
  // paris sits behind a NAT that shows it as 203.0.113.7; it announces that
  // address as its identity, and tokyo knows it only by that address.
  const net::Address outside = ip("203.0.113.7");
  TwoSitesOptions o;
  o.paris.nat_ip = outside;
  o.tokyo.peer_gateway = outside;
  TwoSites s(o);
  s.set_nat(SiteId::kParis, 1, outside);
  std::size_t from_inside = 0;
  s.set_filter([&](WanFrame& frame) -> std::size_t {
    const auto ip = parse_ip_frame(frame.bytes);
    from_inside += ip->source == s.site(SiteId::kParis).public_ip ||
                   (frame.to == SiteId::kParis && ip->destination != s.public_ip(SiteId::kParis));
    return 1;
  });
  s.run();
  BOOST_TEST(from_inside == 0u);
  for (const SiteId id : kBothSites) {
    BOOST_TEST_CONTEXT(s.site(id).name) {
      check_counters(s.worker(id).key_manager_counters(), after_clean_bring_up());
      BOOST_TEST(s.worker(id).sas().inbound_count() == 2u);
    }
  }
  BOOST_TEST(s.worker(SiteId::kTokyo).sas().gateway(0).to_string() == outside.to_string());
  check_traffic(s, SiteId::kParis, 1, 2, 7);
  check_traffic(s, SiteId::kTokyo, 1, 2, 8);
}

BOOST_AUTO_TEST_CASE(nat_ip_configured_on_one_side_only_fails_authentication) {
  // paris announces a nat-ip, but tokyo knows it by its real address: the
  // prologues differ, so each responder rejects the other's proposal.
  TwoSitesOptions o;
  o.paris.nat_ip = ip("203.0.113.7");
  TwoSites s(o);
  s.run();
  for (const SiteId id : kBothSites) {
    BOOST_TEST_CONTEXT(s.site(id).name) {
      state::KeyManagerCounters expected;
      expected.negotiations_initiated = 1;
      expected.challenges_offered = 1;
      expected.challenges_accepted = 1;
      expected.authentication_errors = 1;
      check_counters(s.worker(id).key_manager_counters(), expected);
      BOOST_TEST(s.worker(id).sas().inbound_count() == 0u);
      BOOST_TEST(s.worker(id).sas().outbound(0) == nullptr);
    }
  }
}

BOOST_AUTO_TEST_CASE(loopback_route_gets_one_sa_each_way) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const bool v4 = f == Family::kIpv4;
      TwoSitesOptions o;
      o.family = f;
      const Site p = paris(f);
      const std::string loop_net = v4 ? "10.9.0.0/16" : "2001:db8:9::/48";
      o.paris.extra = std::string("route") + (v4 ? "4" : "6") + " {\n  id loop;\n  gateway { ip " +
                      p.public_ip.to_string() + "; }\n  net \"" + loop_net +
                      "\";\n  preshared-key "
                      "\"ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\";\n"
                      "  spi 4321;\n}\n";
      TwoSites s(o);
      s.run();
      // Paris has two routes to key: initiations are spaced 50 ms apart.
      s.advance(100 * base::kMillisecond);
      worker::Worker& w = s.worker(SiteId::kParis);
      state::KeyManagerCounters expected = after_clean_bring_up();
      expected.negotiations_initiated = expected.challenges_offered = expected.challenges_accepted =
          expected.keypairs_offered = expected.keypairs_negotiated = 2;
      check_counters(w.key_manager_counters(), expected);
      check_counters(s.worker(SiteId::kTokyo).key_manager_counters(), after_clean_bring_up());
      BOOST_TEST(w.key_manager()->routes_with_outbound_sa() == 2u);
      const auto loop_inbound = inbound_spis(w.sas(), 1);
      BOOST_TEST_REQUIRE(loop_inbound.size() == 1u);
      BOOST_TEST_REQUIRE(w.sas().outbound(1) != nullptr);
      BOOST_TEST(w.sas().outbound(1)->spi() == *loop_inbound.begin());
      BOOST_TEST(inbound_spis(w.sas(), 0).size() == 2u);
      BOOST_TEST(w.sas().inbound_count() == 3u);

      // Traffic to the loop route's net leaves through the tunnel to paris
      // itself and comes back to the LAN, TTL decremented twice.
      const net::Address far = ip(v4 ? "10.9.3.4" : "2001:db8:9::34");
      IpOptions io;
      const Bytes packet = udp_packet(p.host_ip, far, 4000, 5000, pattern(200, 9), io);
      std::size_t looped = 0;
      s.set_filter([&](WanFrame& frame) -> std::size_t {
        looped += frame.is_esp() && frame.from == SiteId::kParis && frame.to == SiteId::kParis;
        return 1;
      });
      s.send_private(SiteId::kParis, lan_frame(p, packet));
      s.run();
      BOOST_TEST(looped == 1u);
      const std::vector<Bytes> got = s.take_private(SiteId::kParis);
      BOOST_TEST_REQUIRE(got.size() == 1u);
      BOOST_TEST(got[0] == to_lan_frame(p, with_ttl(packet, 62)));
      BOOST_TEST(s.take_private(SiteId::kTokyo).empty());
      // And the tokyo route still works.
      check_traffic(s, SiteId::kParis, 1, 1, 20);
    }
  }
}
