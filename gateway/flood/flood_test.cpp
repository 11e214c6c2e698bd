#define BOOST_TEST_MODULE flood
// strait flood's frames (flood/forged_frames.hpp) against the gateway's own
// parsers and a gateway's worker: each kind is what it says it is (valid
// checksums, the route SPI, the live SPI, fresh sources), the gateway counts
// every forged frame where the kind says and keeps its SAs, and the key
// manager keeps no state per forged sender (no allocation at all while it
// handles 100,000 forged messages from distinct sources).
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <new>
#include <set>
#include <string>
#include <vector>

#include "base/random.hpp"
#include "exchange/messages.hpp"
#include "flood/forged_frames.hpp"
#include "io/packet.hpp"
#include "keymanager/datagram.hpp"
#include "keymanager/key_manager.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/two_sites.hpp"

// Heap allocations of the whole program while `g_counting` is set: the
// global operator new and delete replaced over malloc and free (GCC cannot
// see that the pair matches once inlined into Boost's code).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed))
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

using namespace strait;
using namespace strait::testing;
using flood::Kind;
using net::Family;

namespace {

// Frames of one kind as bytes, `count` of them, from index 0.
std::vector<Bytes> frames_of(const flood::Target& target, Kind kind, std::size_t count,
                             std::uint64_t seed = 1) {
  const flood::ForgedFrames forged(target, kind);
  base::SeededRandom random(seed);
  std::vector<Bytes> out;
  std::array<std::uint8_t, flood::kMaxFrameSize> buffer{};
  std::array<std::uint8_t, flood::kRandomPerFrame> r{};
  for (std::size_t i = 0; i < count; ++i) {
    random.fill(r);
    const std::size_t length = forged.write(buffer.data(), i, r);
    out.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(length));
  }
  return out;
}

// A target: paris's gateway attacked, tokyo the peer whose address is
// forged.
flood::Target target_for(const Site& victim, const Site& peer) {
  flood::Target t;
  t.destination_mac = victim.public_mac;
  t.source_mac = victim.public_nexthop_mac;
  t.gateway = victim.public_ip;
  t.peer = peer.public_ip;
  t.route_spi = kSampleRouteSpi;
  return t;
}

std::size_t ip_header_size(Family f) {
  return f == Family::kIpv4 ? net::kIpv4HeaderSize : net::kIpv6HeaderSize;
}

// The datagram as the key manager reads it (nullopt: a cheap check failed).
std::optional<keymanager::Datagram> datagram_of(const Bytes& frame, Family f) {
  // The payload span points into `storage`, which outlives the call.
  static std::uint8_t storage[4096];
  std::memcpy(storage, frame.data(), frame.size());
  io::Packet packet{};
  packet.data = storage;
  packet.length = static_cast<std::uint32_t>(frame.size());
  return keymanager::read_datagram(&packet, f, 303);
}

std::uint64_t key_manager_total(const state::KeyManagerCounters& c) {
  // Where a forged message can end: dropped by a cheap check or the rate
  // bound, refused by the exchange, or (a knock from the peer's address)
  // answered with a challenge.
  return c.rxerrors + c.route_errors + c.protocol_errors + c.version_errors + c.parameter_errors +
         c.authentication_errors + c.public_key_errors + c.challenges_offered;
}

std::uint64_t decrypt_errors(const worker::Worker& w, std::uint32_t spi) {
  std::uint64_t n = 0;
  w.sas().for_each_inbound([&](std::uint32_t, const esp::InboundSa& sa) {
    if (sa.spi() == spi) n += sa.counters.decrypt_errors;
  });
  return n;
}

std::set<std::uint32_t> inbound_spis(const worker::Worker& w) {
  std::set<std::uint32_t> spis;
  w.sas().for_each_inbound([&](std::uint32_t, const esp::InboundSa& sa) { spis.insert(sa.spi()); });
  return spis;
}

}  // namespace

BOOST_AUTO_TEST_CASE(key_exchange_frames_pass_the_cheap_checks) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      const flood::Target target = target_for(p, t);
      for (const Kind kind : {Kind::kSkeKnockStrangers, Kind::kSkeProposalStrangers,
                              Kind::kSkeKnockPeer, Kind::kSkeProposalPeer}) {
        BOOST_TEST_CONTEXT(flood::kind_name(kind)) {
          const bool strangers =
              kind == Kind::kSkeKnockStrangers || kind == Kind::kSkeProposalStrangers;
          const bool proposal =
              kind == Kind::kSkeProposalStrangers || kind == Kind::kSkeProposalPeer;
          std::set<std::string> sources;
          std::set<Bytes> keys;
          for (const Bytes& frame : frames_of(target, kind, 1000)) {
            BOOST_TEST_REQUIRE(frame.size() >= 14u);
            BOOST_TEST(
                std::equal(p.public_mac.bytes.begin(), p.public_mac.bytes.end(), frame.begin()));
            if (f == Family::kIpv4)
              BOOST_TEST(net::checksum(frame.data() + 14, net::kIpv4HeaderSize) == 0);
            const auto d = datagram_of(frame, f);
            BOOST_TEST_REQUIRE(d.has_value());  // length, port, UDP checksum
            const auto message = exchange::parse_message(d->payload);
            BOOST_TEST_REQUIRE(message.ok());
            BOOST_TEST(message->route_spi == kSampleRouteSpi);
            BOOST_TEST((message->type == (proposal ? exchange::MessageType::kProposal
                                                   : exchange::MessageType::kKnock)));
            if (!proposal) BOOST_TEST(exchange::load_be32(message->body.data()) == 5u);
            if (proposal) keys.insert(Bytes(message->body.begin(), message->body.begin() + 32));
            BOOST_TEST((d->source == t.public_ip) == !strangers);
            BOOST_TEST(!(d->source == p.public_ip));
            const std::size_t udp = 14 + ip_header_size(f);
            const std::uint16_t source_port = net::load16(frame.data() + udp);
            if (!strangers) BOOST_TEST(source_port == 303);
            sources.insert(d->source.to_string() + ":" + std::to_string(source_port));
          }
          BOOST_TEST(sources.size() == (strangers ? 1000u : 1u));
          if (proposal) BOOST_TEST(keys.size() == 1000u);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(esp_frames_carry_the_spi_and_sequence_numbers_of_their_kind) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      flood::Target target = target_for(paris(f), tokyo(f));
      target.spi = 4242;
      target.sequence = 1'000'000;
      target.exclude_spis = {4242, 777};
      const std::size_t esp = 14 + ip_header_size(f);
      std::set<std::uint32_t> random_spis;
      std::set<Bytes> icvs;
      for (const Bytes& frame : frames_of(target, Kind::kEspRandomSpi, 5000)) {
        BOOST_TEST_REQUIRE(frame.size() == esp + 8 + 64);
        BOOST_TEST(frame[14 + (f == Family::kIpv4 ? 9 : 6)] == net::kProtocolEsp);
        const std::uint32_t spi = net::load32(frame.data() + esp);
        BOOST_TEST(spi >= 256u);
        BOOST_TEST(spi != 4242u);
        BOOST_TEST(spi != 777u);
        random_spis.insert(spi);
        icvs.insert(Bytes(frame.end() - 16, frame.end()));
      }
      BOOST_TEST(random_spis.size() > 4990u);
      BOOST_TEST(icvs.size() == 5000u);
      std::uint32_t index = 0;
      for (const Bytes& frame : frames_of(target, Kind::kEspBadIcv, 3000)) {
        BOOST_TEST(net::load32(frame.data() + esp) == 4242u);
        BOOST_TEST(net::load32(frame.data() + esp + 4) == 1'000'000u + index);
        ++index;
      }
      index = 0;
      for (const Bytes& frame : frames_of(target, Kind::kEspReplay, 3000)) {
        BOOST_TEST(net::load32(frame.data() + esp) == 4242u);
        BOOST_TEST(net::load32(frame.data() + esp + 4) == 1 + index % 1024);
        if (f == Family::kIpv4)
          BOOST_TEST(net::checksum(frame.data() + 14, net::kIpv4HeaderSize) == 0);
        ++index;
      }
      BOOST_TEST(!flood::check_target(target, flood::kAllKinds).has_value());
      target.esp_body = 30;
      BOOST_TEST(flood::check_target(target, flood::kAllKinds).has_value());
    }
  }
}

// Two gateways with negotiated SAs; paris gets every kind. Each frame
// lands in exactly one counter, the SAs stay, and the tunnel still carries
// traffic.
BOOST_AUTO_TEST_CASE(every_forged_frame_is_counted_and_no_sa_changes) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      TwoSitesOptions o;
      o.family = f;
      TwoSites s(o);
      s.run();
      auto& paris_worker = s.worker(SiteId::kParis);
      auto& tokyo_worker = s.worker(SiteId::kTokyo);
      BOOST_TEST_REQUIRE(paris_worker.sas().outbound(0) != nullptr);
      BOOST_TEST_REQUIRE(tokyo_worker.sas().outbound(0) != nullptr);
      BOOST_TEST_REQUIRE(round_trip(s, 1));
      const std::uint32_t live = tokyo_worker.sas().outbound(0)->spi();
      const std::uint32_t paris_out = paris_worker.sas().outbound(0)->spi();
      const std::set<std::uint32_t> paris_in = inbound_spis(paris_worker);
      BOOST_TEST_REQUIRE(paris_in.count(live) == 1u);

      flood::Target target = target_for(s.site(SiteId::kParis), s.site(SiteId::kTokyo));
      target.spi = live;
      target.sequence = 1'000'000;
      target.exclude_spis.assign(paris_in.begin(), paris_in.end());

      const auto km_before = paris_worker.key_manager_counters();
      const auto dispatch_before = paris_worker.public_dispatch();
      const std::uint64_t route_before = paris_worker.public_router().route_errors;
      const std::uint64_t decrypt_before = decrypt_errors(paris_worker, live);
      constexpr std::size_t kPerKind = 1500;
      std::uint64_t ske = 0, random_spi = 0, live_spi = 0;
      for (const Kind kind : flood::kAllKinds) {
        const auto frames = frames_of(target, kind, kPerKind);
        for (std::size_t i = 0; i < frames.size(); ++i) {
          s.send_public(SiteId::kParis, frames[i]);
          if (i % 48 == 47) s.run();
        }
        s.run();
        (flood::is_key_exchange(kind)  ? ske
         : kind == Kind::kEspRandomSpi ? random_spi
                                       : live_spi) += kPerKind;
      }
      const auto km_after = paris_worker.key_manager_counters();
      BOOST_TEST(key_manager_total(km_after) - key_manager_total(km_before) == ske);
      BOOST_TEST(km_after.keypairs_offered == km_before.keypairs_offered);
      BOOST_TEST(km_after.keypairs_negotiated == km_before.keypairs_negotiated);
      // Past the first 100 (the clock stands still), the bound dropped them.
      BOOST_TEST(km_after.rxerrors - km_before.rxerrors > 0u);
      BOOST_TEST(paris_worker.public_router().route_errors - route_before == random_spi);
      BOOST_TEST(decrypt_errors(paris_worker, live) - decrypt_before == live_spi);
      // The frames passed the cheap checks of dispatch.
      const auto& dispatch_after = paris_worker.public_dispatch();
      BOOST_TEST(dispatch_after.rxerrors == dispatch_before.rxerrors);
      BOOST_TEST(dispatch_after.protocol_errors == dispatch_before.protocol_errors);
      BOOST_TEST(dispatch_after.checksum_errors == dispatch_before.checksum_errors);
      // No SA lost or replaced.
      BOOST_TEST(paris_worker.sas().outbound(0)->spi() == paris_out);
      BOOST_TEST(tokyo_worker.sas().outbound(0)->spi() == live);
      BOOST_TEST((inbound_spis(paris_worker) == paris_in));
      BOOST_TEST(round_trip(s, 2));
    }
  }
}

// 100,000 forged messages from distinct senders (knocks and proposals for
// the route, each from a new address and port) and 20,000 from the peer's
// address: the key manager allocates nothing while it handles them (no
// state per sender, nor per message), its negotiations stay as they were,
// and every frame goes back to the pool.
BOOST_AUTO_TEST_CASE(no_state_is_kept_per_forged_sender) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      HarnessOptions options;
      options.frame_count = 2048;
      GatewayHarness h(site_config(p, t, key_exchange_options()), options);
      h.run();
      BOOST_TEST_REQUIRE(h.take_public().size() == 1u);  // paris knocked
      const auto* km = h.worker().key_manager();
      BOOST_TEST_REQUIRE(km != nullptr);
      const std::size_t in_flight = km->negotiations_in_flight();
      const flood::Target target = target_for(p, t);
      const auto before = h.worker().key_manager_counters();

      // One knock from the peer first: the route's one responder exists
      // from then on (per route, not per sender).
      // (Counted too: the count sees the responder made.)
      for (const Bytes& frame : frames_of(target, Kind::kSkeKnockPeer, 1, 7))
        h.send_public(frame);
      g_allocations = 0;
      g_counting = true;
      h.run();
      g_counting = false;
      BOOST_TEST(g_allocations.load() >= 1u);
      BOOST_TEST(h.take_public().size() == 1u);  // the challenge

      std::uint64_t sent = 1;
      std::uint64_t allocations = 0;
      std::set<std::string> senders;
      const auto flood_with = [&](Kind kind, std::size_t count, std::uint64_t seed) {
        const auto frames = frames_of(target, kind, count, seed);
        for (std::size_t i = 0; i < frames.size(); i += 256) {
          for (std::size_t j = i; j < std::min(frames.size(), i + 256); ++j)
            h.send_public(frames[j]);
          g_allocations = 0;
          g_counting = true;
          h.run();
          g_counting = false;
          allocations += g_allocations.load();
          h.take_public();  // challenges to the peer (at most 100 a second)
        }
        // Who sent it: source address and port.
        const std::ptrdiff_t address = 14 + (f == Family::kIpv4 ? 12 : 8);
        const std::ptrdiff_t size = f == Family::kIpv4 ? 4 : 16;
        const auto port = static_cast<std::ptrdiff_t>(14 + ip_header_size(f));
        for (const Bytes& frame : frames)
          senders.insert(std::string(frame.begin() + address, frame.begin() + address + size) +
                         std::string(frame.begin() + port, frame.begin() + port + 2));
        sent += count;
      };
      flood_with(Kind::kSkeKnockStrangers, 50'000, 11);
      flood_with(Kind::kSkeProposalStrangers, 50'000, 12);
      BOOST_TEST(senders.size() >= 99'990u);  // distinct (address, port) pairs
      flood_with(Kind::kSkeKnockPeer, 10'000, 13);
      flood_with(Kind::kSkeProposalPeer, 10'000, 14);
      BOOST_TEST(allocations == 0u);
      const auto after = h.worker().key_manager_counters();
      BOOST_TEST(key_manager_total(after) - key_manager_total(before) == sent);
      BOOST_TEST(after.keypairs_offered == before.keypairs_offered);
      BOOST_TEST(km->negotiations_in_flight() == in_flight);
      BOOST_TEST(h.worker().sas().inbound_count() == 0u);
      BOOST_TEST(h.pool().available() == h.pool().count());
    }
  }
}
