#define BOOST_TEST_MODULE key_manager_lifecycle
// SAs over time (PROTOCOL.md 2.2, 2.4): negotiation timeouts, rekeying
// under traffic, expiry when the peer goes away, the 100 messages per
// second bound, and exchanges completing under a flood of bogus messages.
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <map>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "exchange/initiator.hpp"
#include "exchange/messages.hpp"
#include "keymanager/key_manager.hpp"
#include "net/headers.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/two_sites.hpp"

using namespace strait;
using namespace strait::testing;
using exchange::MessageType;
using net::Family;

namespace {

constexpr base::Nanoseconds kMs = base::kMillisecond;
constexpr base::Nanoseconds kS = base::kSecond;

using Deltas = std::map<std::string, std::uint64_t>;

void check_counters(const state::KeyManagerCounters& actual, const Deltas& expected) {
  for (const auto& [name, value] : counter_values(actual)) {
    const auto e = expected.find(name);
    BOOST_TEST_CONTEXT(name) {
      BOOST_TEST(value == (e == expected.end() ? 0u : e->second));
    }
  }
}

std::set<std::uint32_t> inbound_spis(const tunnel::SaDatabase& sas) {
  std::set<std::uint32_t> out;
  sas.for_each_inbound([&](std::uint32_t, const esp::InboundSa& sa) { out.insert(sa.spi()); });
  return out;
}

// Both places a key manager can run: the worker's thread, or a thread of
// its own (here the test's, in TwoSites::run()).
const worker::KeyExchangeHosting kHostings[] = {worker::KeyExchangeHosting::kInWorker,
                                                worker::KeyExchangeHosting::kSeparate};

TwoSitesOptions short_lived(
    std::uint32_t negotiation_ttl, std::uint32_t sa_ttl,
    worker::KeyExchangeHosting hosting = worker::KeyExchangeHosting::kInWorker) {
  TwoSitesOptions o;
  o.hosting = hosting;
  o.paris.negotiation_ttl = o.tokyo.negotiation_ttl = negotiation_ttl;
  o.paris.sa_ttl = o.tokyo.sa_ttl = sa_ttl;
  return o;
}

// Drops the first WAN frame of `type` sent by `from`.
WanFilter drop_first(SiteId from, MessageType type, std::size_t& dropped) {
  return [from, type, &dropped](WanFrame& frame) -> std::size_t {
    if (dropped == 0 && frame.from == from && frame.message_type() == type) {
      ++dropped;
      return 0;
    }
    return 1;
  };
}

}  // namespace

namespace strait::worker {
std::ostream& operator<<(std::ostream& out, KeyExchangeHosting hosting) {
  return out << (hosting == KeyExchangeHosting::kInWorker ? "in-worker" : "separate");
}
}  // namespace strait::worker

BOOST_AUTO_TEST_CASE(a_lost_challenge_times_out_and_the_next_negotiation_succeeds) {
  TwoSites s(short_lived(1, 600));
  std::size_t dropped = 0;
  s.set_filter(drop_first(SiteId::kTokyo, MessageType::kChallenge, dropped));
  s.run();
  BOOST_TEST(dropped == 1u);
  // tokyo's exchange completed; paris's waits for its challenge.
  check_counters(
      s.worker(SiteId::kParis).key_manager_counters(),
      {{"negotiations-initiated", 1}, {"challenges-offered", 1}, {"keypairs-offered", 1}});
  BOOST_TEST(s.worker(SiteId::kParis).key_manager()->negotiations_in_flight() == 1u);
  s.advance(999 * kMs);
  BOOST_TEST(s.worker(SiteId::kParis).key_manager_counters().negotiations_expired == 0u);
  s.advance(1 * kMs);
  check_counters(s.worker(SiteId::kParis).key_manager_counters(), {{"negotiations-initiated", 2},
                                                                   {"negotiations-expired", 1},
                                                                   {"challenges-offered", 1},
                                                                   {"challenges-accepted", 1},
                                                                   {"keypairs-offered", 1},
                                                                   {"keypairs-negotiated", 1}});
  check_counters(s.worker(SiteId::kTokyo).key_manager_counters(), {{"negotiations-initiated", 1},
                                                                   {"challenges-offered", 2},
                                                                   {"challenges-accepted", 1},
                                                                   {"keypairs-offered", 1},
                                                                   {"keypairs-negotiated", 1}});
  for (const SiteId id : kBothSites) {
    BOOST_TEST(s.worker(id).sas().inbound_count() == 2u);
    BOOST_TEST(s.worker(id).key_manager()->negotiations_in_flight() == 0u);
  }
  BOOST_TEST(round_trip(s, 1));
  // The retried exchange's SAs take over 1.5 s later; traffic goes on.
  s.advance(1600 * kMs, 100 * kMs);
  for (const SiteId id : kBothSites)
    BOOST_TEST(s.worker(id).key_manager_counters().outbound_sa_updated == 1u);
  BOOST_TEST(round_trip(s, 2));
}

BOOST_AUTO_TEST_CASE(a_lost_agreement_times_out_and_the_next_negotiation_succeeds) {
  TwoSites s(short_lived(1, 600));
  std::size_t dropped = 0;
  s.set_filter(drop_first(SiteId::kTokyo, MessageType::kAgreement, dropped));
  s.run();
  BOOST_TEST(dropped == 1u);
  // paris's own SPI for the lost exchange is not installed.
  BOOST_TEST(s.worker(SiteId::kParis).sas().inbound_count() == 1u);
  BOOST_TEST(s.worker(SiteId::kTokyo).sas().inbound_count() == 2u);
  s.advance(1000 * kMs);
  check_counters(s.worker(SiteId::kParis).key_manager_counters(), {{"negotiations-initiated", 2},
                                                                   {"negotiations-expired", 1},
                                                                   {"challenges-offered", 1},
                                                                   {"challenges-accepted", 2},
                                                                   {"keypairs-offered", 1},
                                                                   {"keypairs-negotiated", 1}});
  check_counters(s.worker(SiteId::kTokyo).key_manager_counters(), {{"negotiations-initiated", 1},
                                                                   {"challenges-offered", 2},
                                                                   {"challenges-accepted", 1},
                                                                   {"keypairs-offered", 2},
                                                                   {"keypairs-negotiated", 1}});
  BOOST_TEST(s.worker(SiteId::kParis).sas().inbound_count() == 2u);
  BOOST_TEST(s.worker(SiteId::kTokyo).sas().inbound_count() == 3u);
  // Once tokyo's newest outbound SA is active (1.5 s after the retry),
  // both directions work, and each outbound SA is one of the peer's
  // inbound SAs.
  s.advance(1600 * kMs, 100 * kMs);
  for (const SiteId id : kBothSites) {
    BOOST_TEST_REQUIRE(s.worker(id).sas().outbound(0) != nullptr);
    BOOST_TEST(
        inbound_spis(s.worker(other_site(id)).sas()).count(s.worker(id).sas().outbound(0)->spi()) ==
        1u);
  }
  BOOST_TEST(round_trip(s, 3));
}

BOOST_DATA_TEST_CASE(rekeying_under_continuous_traffic_loses_nothing,
                     boost::unit_test::data::make(kHostings), hosting) {
  // sa-ttl 10 s, negotiation-ttl 1 s; 25 sa-ttl of virtual time with a
  // packet every 4 ms each way.
  TwoSites s(short_lived(1, 10, hosting));
  s.run();
  const Site& p = s.site(SiteId::kParis);
  const Site& t = s.site(SiteId::kTokyo);
  std::uint64_t sent = 0, received = 0, wrong = 0, inconsistent = 0;
  std::size_t most_inbound = 0;
  std::set<std::uint32_t> outbound_seen[2];
  constexpr base::Nanoseconds kDuration = 250 * kS;
  for (base::Nanoseconds now = 0; now < kDuration; now += kMs) {
    s.clock().advance(kMs);
    if (now % (4 * kMs) == 0) {
      const auto i = static_cast<std::uint8_t>(now / (4 * kMs));
      const Bytes to_tokyo = host_datagram(p, t, 48, i);
      const Bytes to_paris = host_datagram(t, p, 48, static_cast<std::uint8_t>(i + 128));
      s.send_private(SiteId::kParis, lan_frame(p, to_tokyo));
      s.send_private(SiteId::kTokyo, lan_frame(t, to_paris));
      sent += 2;
      s.run();
      const auto at_tokyo = s.take_private(SiteId::kTokyo);
      const auto at_paris = s.take_private(SiteId::kParis);
      received += at_tokyo.size() + at_paris.size();
      wrong += !(at_tokyo.size() == 1 && at_tokyo[0] == to_lan_frame(t, with_ttl(to_tokyo, 62)));
      wrong += !(at_paris.size() == 1 && at_paris[0] == to_lan_frame(p, with_ttl(to_paris, 62)));
    } else {
      s.run();
    }
    if (now % (50 * kMs) == 0) {
      for (const SiteId id : kBothSites) {
        const tunnel::SaDatabase& sas = s.worker(id).sas();
        most_inbound = std::max(most_inbound, sas.inbound_count());
        // The outbound SA is always one the peer can decrypt.
        inconsistent +=
            sas.outbound(0) == nullptr ||
            inbound_spis(s.worker(other_site(id)).sas()).count(sas.outbound(0)->spi()) != 1;
        if (sas.outbound(0) != nullptr)
          outbound_seen[id == SiteId::kParis ? 0 : 1].insert(sas.outbound(0)->spi());
      }
    }
  }
  BOOST_TEST(sent == 2 * kDuration / (4 * kMs));
  BOOST_TEST(received == sent);
  BOOST_TEST(wrong == 0u);
  BOOST_TEST(inconsistent == 0u);
  BOOST_TEST(most_inbound <= keymanager::SaLifecycle::kMaxInbound);
  BOOST_TEST(most_inbound >= 2u);
  const state::KeyManagerCounters pc = s.worker(SiteId::kParis).key_manager_counters();
  const state::KeyManagerCounters tc = s.worker(SiteId::kTokyo).key_manager_counters();
  // Every exchange completed; whoever initiated, each side has one inbound
  // SA per exchange, all but the live ones expired.
  const std::uint64_t exchanges = pc.keypairs_negotiated + tc.keypairs_negotiated;
  BOOST_TEST(pc.keypairs_negotiated == tc.keypairs_offered);
  BOOST_TEST(tc.keypairs_negotiated == pc.keypairs_offered);
  // Rekeying every sa-ttl/2 .. 5/8 sa-ttl: 40 to 50 exchanges in 250 s,
  // plus the two of the start.
  BOOST_TEST_MESSAGE("exchanges " << exchanges << ", paris outbound-sa-updated "
                                  << pc.outbound_sa_updated << ", inbound-sa-expired "
                                  << pc.inbound_sa_expired << ", most inbound SAs "
                                  << most_inbound);
  BOOST_TEST(exchanges >= 2u + 40u);
  BOOST_TEST(exchanges <= 2u + 50u);
  for (const SiteId id : kBothSites) {
    BOOST_TEST_CONTEXT(s.site(id).name) {
      const state::KeyManagerCounters c = s.worker(id).key_manager_counters();
      const keymanager::KeyManager& km = *s.worker(id).key_manager();
      BOOST_TEST(c.negotiations_initiated == c.keypairs_negotiated + km.negotiations_in_flight());
      BOOST_TEST(c.challenges_accepted == c.keypairs_negotiated + km.negotiations_in_flight());
      BOOST_TEST(c.challenges_offered == c.keypairs_offered);
      BOOST_TEST(km.awaiting_agreement() <= km.negotiations_in_flight());
      BOOST_TEST(c.negotiations_expired == 0u);
      BOOST_TEST(c.outbound_sa_expired == 0u);
      BOOST_TEST(c.rxerrors + c.route_errors + c.protocol_errors + c.version_errors +
                     c.parameter_errors + c.authentication_errors + c.public_key_errors ==
                 0u);
      BOOST_TEST(c.inbound_sa_expired + s.worker(id).sas().inbound_count() == exchanges);
      // Every exchange but the first gave a new outbound SA after the
      // activation delay, unless a newer one superseded it while pending.
      BOOST_TEST(c.outbound_sa_updated >= 40u);
      BOOST_TEST(c.outbound_sa_updated <= exchanges - 1);
      BOOST_TEST(outbound_seen[id == SiteId::kParis ? 0 : 1].size() == c.outbound_sa_updated + 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(sas_expire_when_the_peer_disappears_and_return_with_it) {
  TwoSites s(short_lived(1, 10));
  s.run();
  BOOST_TEST(round_trip(s, 1));
  // tokyo goes dark at 1 s.
  s.advance(1 * kS, 10 * kMs);
  s.set_filter([](WanFrame&) -> std::size_t { return 0; });
  s.advance(9 * kS - kMs, 10 * kMs);
  for (const SiteId id : kBothSites) {
    BOOST_TEST(s.worker(id).key_manager_counters().outbound_sa_expired == 0u);
    BOOST_TEST(s.worker(id).sas().outbound(0) != nullptr);
  }
  // Every SA was negotiated at 0 s: all expire at sa-ttl.
  s.advance(kMs);
  for (const SiteId id : kBothSites) {
    BOOST_TEST_CONTEXT(s.site(id).name) {
      const state::KeyManagerCounters c = s.worker(id).key_manager_counters();
      BOOST_TEST(c.outbound_sa_expired == 1u);
      BOOST_TEST(c.inbound_sa_expired == 2u);
      BOOST_TEST(c.outbound_sa_updated == 1u);
      BOOST_TEST(s.worker(id).sas().outbound(0) == nullptr);
      BOOST_TEST(s.worker(id).sas().inbound_count() == 0u);
      // Rekeying started between 5 and 6.25 s and retried every second
      // since: 1 + 4 or 5 attempts, all but the one in flight expired.
      BOOST_TEST(c.negotiations_initiated ==
                 c.negotiations_expired + c.keypairs_negotiated +
                     s.worker(id).key_manager()->negotiations_in_flight());
      BOOST_TEST(s.worker(id).key_manager()->negotiations_in_flight() == 1u);
      BOOST_TEST(c.negotiations_expired >= 3u);
      BOOST_TEST(c.negotiations_expired <= 5u);
    }
  }
  // Traffic now has no SA: a route error of the private router.
  const Site& p = s.site(SiteId::kParis);
  const Site& t = s.site(SiteId::kTokyo);
  const std::uint64_t before = s.worker(SiteId::kParis).private_router().route_errors;
  s.send_private(SiteId::kParis, lan_frame(p, host_datagram(p, t, 80)));
  s.run();
  BOOST_TEST(s.worker(SiteId::kParis).private_router().route_errors == before + 1);
  BOOST_TEST(s.wan_delivered() == 8u + 2u);  // the bring-up and the first round trip
  // tokyo comes back: the next knock (within negotiation-ttl) succeeds.
  s.clear_filter();
  s.advance(1 * kS, 10 * kMs);
  for (const SiteId id : kBothSites) {
    BOOST_TEST(s.worker(id).key_manager()->routes_with_outbound_sa() == 1u);
    BOOST_TEST(s.worker(id).key_manager()->negotiations_in_flight() == 0u);
  }
  BOOST_TEST(round_trip(s, 2));
}

BOOST_AUTO_TEST_CASE(at_most_100_messages_per_second_are_processed) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness h(site_config(p, t, key_exchange_options()));
  h.run();
  BOOST_TEST(h.take_public().size() == 1u);  // paris's knock
  base::SeededRandom random{5};
  std::array<std::uint8_t, 32> psk{};
  for (std::size_t i = 0; i < 32; ++i)
    psk[i] = static_cast<std::uint8_t>((i % 16) * 0x11);
  exchange::Initiator initiator(1234, psk, t.public_ip, p.public_ip, random);
  const auto knock = initiator.knock();
  const Bytes frame =
      key_exchange_frame(p, p.public_ip, t.public_ip, Bytes(knock.begin(), knock.end()));
  const auto burst = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      h.send_public(frame);
      if (i % 50 == 49) h.run();
    }
    h.run();
    return h.take_public().size();
  };
  BOOST_TEST(burst(250) == 100u);
  state::KeyManagerCounters c = h.worker().key_manager_counters();
  BOOST_TEST(c.challenges_offered == 100u);
  BOOST_TEST(c.rxerrors == 150u);
  // Messages failing the cheap checks take no token and are counted as
  // what they are.
  Bytes bad = frame;
  bad.back() ^= 1;
  for (std::size_t i = 0; i < 10; ++i)
    h.send_public(bad);
  h.run();
  c = h.worker().key_manager_counters();
  BOOST_TEST(c.protocol_errors == 10u);
  BOOST_TEST(c.rxerrors == 150u);
  // The budget refills continuously: 500 ms later half of it (50), a
  // second after that all of it (100), never more.
  h.clock().advance(500 * kMs);
  BOOST_TEST(burst(130) == 50u);
  h.clock().advance(1000 * kMs);
  BOOST_TEST(burst(130) == 100u);
  c = h.worker().key_manager_counters();
  BOOST_TEST(c.challenges_offered == 250u);
  BOOST_TEST(c.rxerrors == 150u + 80 + 30);
  BOOST_TEST(c.negotiations_initiated == 1u);
  BOOST_TEST(c.protocol_errors == 10u);
  BOOST_TEST(h.pool().available() == h.pool().count());
}

BOOST_AUTO_TEST_CASE(a_flood_of_bogus_messages_does_not_stop_a_legitimate_exchange) {
  TwoSites s;
  const Site& p = s.site(SiteId::kParis);
  const Site& t = s.site(SiteId::kTokyo);
  std::mt19937 rng(7);
  std::uint64_t protocol = 0, route = 0, legitimate = 0;
  const auto flood = [&](bool out_of_state) {
    for (std::size_t i = 0; i < 200; ++i) {
      const std::uint32_t kind = static_cast<std::uint32_t>(rng()) % (out_of_state ? 5 : 4);
      const std::uint8_t type = static_cast<std::uint8_t>(11 + rng() % 4);
      const std::size_t size = 8 + exchange::message_size(static_cast<MessageType>(type));
      Bytes payload(size);
      for (auto& b : payload)
        b = static_cast<std::uint8_t>(rng());
      payload[4] = type;
      net::Address source = t.public_ip;
      Bytes frame;
      switch (kind) {
        case 0:  // garbage of the wrong length
          payload.resize(payload.size() + 1 + rng() % 20);
          ++protocol;
          break;
        case 1:  // another route
          if (exchange::load_be32(payload.data()) == 1234) payload[0] ^= 0xff;
          ++route;
          break;
        case 2:  // the route, spoofed from another address
          exchange::store_be32(payload.data(), 1234);
          source = ip("203.0.113." + std::to_string(1 + rng() % 250));
          ++protocol;
          break;
        case 3:  // a bad checksum
          exchange::store_be32(payload.data(), 1234);
          ++protocol;
          break;
        default:  // a proposal before any knock, an agreement before any challenge
          exchange::store_be32(payload.data(), 1234);
          payload[4] = static_cast<std::uint8_t>(13 + rng() % 2);
          payload.resize(88);
          ++protocol;
          break;
      }
      frame = key_exchange_frame(p, p.public_ip, source, payload);
      if (kind == 3) frame.back() ^= 0x10;
      s.send_public(SiteId::kParis, frame);
    }
  };
  // Before every genuine message to paris, 200 bogus ones; before the
  // first (tokyo's knock), out-of-state messages too.
  s.set_filter([&](WanFrame& frame) -> std::size_t {
    if (frame.to == SiteId::kParis && frame.message_type()) {
      flood(legitimate == 0);
      ++legitimate;
    }
    return 1;
  });
  s.run();
  BOOST_TEST(legitimate == 4u);
  check_counters(s.worker(SiteId::kParis).key_manager_counters(), {{"negotiations-initiated", 1},
                                                                   {"challenges-offered", 1},
                                                                   {"challenges-accepted", 1},
                                                                   {"keypairs-offered", 1},
                                                                   {"keypairs-negotiated", 1},
                                                                   {"protocol-errors", protocol},
                                                                   {"route-errors", route}});
  BOOST_TEST(protocol + route == 800u);
  BOOST_TEST(route > 100u);
  check_counters(s.worker(SiteId::kTokyo).key_manager_counters(), {{"negotiations-initiated", 1},
                                                                   {"challenges-offered", 1},
                                                                   {"challenges-accepted", 1},
                                                                   {"keypairs-offered", 1},
                                                                   {"keypairs-negotiated", 1}});
  s.clear_filter();
  BOOST_TEST(round_trip(s, 9));
  // Every frame, bogus or not, went back to the pool.
  BOOST_TEST(s.pool().available() == s.pool().count());
}

BOOST_AUTO_TEST_CASE(duplicated_messages_are_out_of_state_and_change_nothing) {
  // The WAN delivers every key-exchange message twice. Each knock is
  // answered twice (the challenge is the same, and each is duplicated):
  // one of the four challenges is accepted, the rest and the second copies
  // of the proposal and the agreement are out of state.
  TwoSites s;
  s.set_filter([](WanFrame& frame) -> std::size_t { return frame.message_type() ? 2 : 1; });
  s.run();
  for (const SiteId id : kBothSites) {
    BOOST_TEST_CONTEXT(s.site(id).name) {
      check_counters(s.worker(id).key_manager_counters(), {{"negotiations-initiated", 1},
                                                           {"challenges-offered", 2},
                                                           {"challenges-accepted", 1},
                                                           {"keypairs-offered", 1},
                                                           {"keypairs-negotiated", 1},
                                                           {"protocol-errors", 5}});
      BOOST_TEST(s.worker(id).sas().inbound_count() == 2u);
    }
  }
  s.clear_filter();
  BOOST_TEST(round_trip(s, 4));
}
