#define BOOST_TEST_MODULE sa_update_queue
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "keymanager/sa_update_queue.hpp"

using namespace strait;

namespace {

esp::SaParameters sa(std::uint32_t spi) {
  esp::SaParameters p;
  p.spi = spi;
  p.key[0] = static_cast<std::uint8_t>(spi);
  p.key[15] = 0xa5;
  return p;
}

struct Fixture {
  std::unique_ptr<esp::Engine> engine = std::move(esp::Engine::create()).value();
  tunnel::SaDatabase db{*engine};
  Fixture() { db.set_route_count(3); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(updates_take_effect_only_when_the_worker_applies_them) {
  Fixture f;
  keymanager::SaUpdateQueue q(f.db);
  BOOST_TEST(!q.pending());
  BOOST_TEST(q.set_outbound(1, sa(300)));
  BOOST_TEST(q.add_inbound(1, sa(400)));
  BOOST_TEST(q.add_inbound(2, sa(401)));
  BOOST_TEST(q.pending());
  BOOST_TEST(f.db.outbound(1) == nullptr);
  BOOST_TEST(f.db.inbound(400) == nullptr);
  BOOST_TEST(q.apply() == 3u);
  BOOST_TEST(!q.pending());
  BOOST_REQUIRE(f.db.outbound(1) != nullptr);
  BOOST_TEST(f.db.outbound(1)->spi() == 300u);
  BOOST_TEST(f.db.inbound(400) != nullptr);
  BOOST_TEST(f.db.inbound(401) != nullptr);

  q.remove_inbound(400);
  q.remove_outbound(1);
  q.set_outbound(2, sa(302));
  BOOST_TEST(f.db.inbound(400) != nullptr);
  BOOST_TEST(q.apply() == 3u);
  BOOST_TEST(f.db.inbound(400) == nullptr);
  BOOST_TEST(f.db.outbound(1) == nullptr);
  BOOST_TEST(f.db.outbound(2)->spi() == 302u);
  BOOST_TEST(q.deferred() == 0u);
  BOOST_TEST(q.failed() == 0u);
  BOOST_TEST(q.lost() == 0u);
}

BOOST_AUTO_TEST_CASE(a_full_queue_defers_updates_in_order_and_loses_none) {
  Fixture f;
  keymanager::SaUpdateQueue q(f.db, 2);
  // Install then replace route 0's outbound SA five times: only the order
  // of application leaves the last one in place.
  for (std::uint32_t spi = 300; spi < 305; ++spi)
    BOOST_TEST(q.set_outbound(0, sa(spi)));
  BOOST_TEST(q.deferred() == 3u);
  BOOST_TEST(q.backlog() == 3u);
  BOOST_TEST(!q.flush());  // no room yet
  BOOST_TEST(q.apply() == 2u);
  BOOST_TEST(f.db.outbound(0)->spi() == 301u);
  // Later updates queue behind the backlog, not ahead of it.
  BOOST_TEST(q.add_inbound(0, sa(400)));
  BOOST_TEST(q.deferred() == 4u);
  BOOST_TEST(!q.flush());
  BOOST_TEST(q.backlog() == 2u);
  BOOST_TEST(q.apply() == 2u);
  BOOST_TEST(f.db.outbound(0)->spi() == 303u);
  BOOST_TEST(q.flush());
  BOOST_TEST(q.apply() == 2u);
  BOOST_TEST(f.db.outbound(0)->spi() == 304u);
  BOOST_TEST(f.db.inbound(400) != nullptr);
  BOOST_TEST(q.failed() == 0u);
}

BOOST_AUTO_TEST_CASE(a_refused_update_is_counted_on_the_worker_side) {
  Fixture f;
  keymanager::SaUpdateQueue q(f.db);
  q.add_inbound(0, sa(400));
  q.add_inbound(1, sa(400));  // the SPI twice
  q.apply();
  BOOST_TEST(q.failed() == 1u);
}

BOOST_AUTO_TEST_CASE(reconfiguration_applies_queued_updates_at_the_old_indices_first) {
  Fixture f;
  keymanager::SaUpdateQueue q(f.db, 2);
  q.set_outbound(0, sa(300));
  q.set_outbound(1, sa(301));
  q.add_inbound(1, sa(401));  // deferred
  q.remove_outbound(0);       // deferred
  q.add_inbound(2, sa(402));  // deferred
  // Route 0 goes, 1 becomes 0, 2 becomes 1.
  const std::uint32_t new_index[] = {tunnel::SaDatabase::kRemoved, 0, 1};
  q.remap_routes(new_index, 2);
  BOOST_TEST(!q.pending());
  BOOST_TEST(q.backlog() == 0u);
  BOOST_TEST(f.db.route_count() == 2u);
  BOOST_REQUIRE(f.db.outbound(0) != nullptr);
  BOOST_TEST(f.db.outbound(0)->spi() == 301u);
  BOOST_TEST(f.db.outbound(1) == nullptr);
  BOOST_TEST(f.db.inbound_count() == 2u);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> inbound;
  f.db.for_each_inbound(
      [&](std::uint32_t route, const esp::InboundSa& s) { inbound.emplace_back(s.spi(), route); });
  BOOST_TEST((inbound == std::vector<std::pair<std::uint32_t, std::uint32_t>>{{401, 0}, {402, 1}}));
  q.set_gateway(1, *net::Address::parse("192.0.2.9"));
  BOOST_TEST(f.db.gateway(1).to_string() == "192.0.2.9");
}

// One producer thread, the consumer here: every update arrives, in order
// (run it under -fsanitize=thread to check the hand-over).
BOOST_AUTO_TEST_CASE(updates_cross_threads_in_order) {
  Fixture f;
  keymanager::SaUpdateQueue q(f.db, 8);
  constexpr std::uint32_t kCount = 20000;
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < kCount; ++i) {
      q.set_outbound(i % 3, sa(256 + i));
      q.flush();
    }
    while (!q.flush())
      std::this_thread::yield();
    done.store(true, std::memory_order_release);
  });
  std::size_t applied = 0;
  std::uint32_t last_spi[3] = {0, 0, 0};
  bool ordered = true;
  for (;;) {
    const bool finished = done.load(std::memory_order_acquire);
    applied += q.apply();
    for (std::uint32_t r = 0; r < 3; ++r) {
      const esp::OutboundSa* o = f.db.outbound(r);
      if (o == nullptr) continue;
      ordered = ordered && o->spi() >= last_spi[r];
      last_spi[r] = o->spi();
    }
    if (finished && !q.pending()) break;
  }
  producer.join();
  BOOST_TEST(applied == kCount);
  BOOST_TEST(ordered);
  BOOST_TEST(q.lost() == 0u);
  for (std::uint32_t r = 0; r < 3; ++r)
    BOOST_TEST(f.db.outbound(r)->spi() == 256 + (kCount - 1 - (kCount - 1 - r) % 3));
}
