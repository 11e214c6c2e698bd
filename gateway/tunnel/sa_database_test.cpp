#define BOOST_TEST_MODULE sa_database
#include <boost/test/unit_test.hpp>

#include <random>
#include <set>

#include "tunnel/sa_database.hpp"

using namespace strait;

namespace {
esp::SaParameters sa(std::uint32_t spi) {
  esp::SaParameters p;
  p.spi = spi;
  p.key[0] = static_cast<std::uint8_t>(spi);
  return p;
}
}  // namespace

BOOST_AUTO_TEST_CASE(outbound_per_route_and_gateway) {
  auto engine = std::move(esp::Engine::create()).value();
  tunnel::SaDatabase db(*engine);
  db.set_route_count(3);
  BOOST_TEST(db.outbound(1) == nullptr);
  BOOST_TEST(db.set_outbound(1, sa(300)));
  BOOST_REQUIRE(db.outbound(1) != nullptr);
  BOOST_TEST(db.outbound(1)->spi() == 300u);
  BOOST_TEST(db.set_outbound(1, sa(301)));  // replaces
  BOOST_TEST(db.outbound(1)->spi() == 301u);
  db.remove_outbound(1);
  BOOST_TEST(db.outbound(1) == nullptr);
  db.set_gateway(2, *net::Address::parse("192.0.2.7"));
  BOOST_TEST(db.gateway(2).to_string() == "192.0.2.7");
}

BOOST_AUTO_TEST_CASE(inbound_index_agrees_with_a_reference_under_churn) {
  auto engine = std::move(esp::Engine::create()).value();
  tunnel::SaDatabase db(*engine);
  db.set_route_count(1);
  std::set<std::uint32_t> reference;
  std::mt19937 rng(7);
  // SPIs from a small range so that probe runs collide and wrap.
  std::uniform_int_distribution<std::uint32_t> spi(256, 256 + 3000);
  for (int step = 0; step < 20000; ++step) {
    const std::uint32_t s = spi(rng);
    if (rng() % 3 == 0) {
      BOOST_TEST(db.remove_inbound(s) == (reference.erase(s) == 1));
    } else {
      BOOST_TEST(db.add_inbound(0, sa(s)) == reference.insert(s).second);
    }
    if (step % 500 == 0) {
      for (std::uint32_t probe = 256; probe <= 256 + 3000; ++probe) {
        const esp::InboundSa* found = db.inbound(probe);
        BOOST_TEST((found != nullptr) == reference.contains(probe));
        if (found) BOOST_TEST(found->spi() == probe);
      }
    }
  }
  BOOST_TEST(db.inbound_count() == reference.size());
  std::size_t listed = 0;
  std::uint32_t previous = 0;
  db.for_each_inbound([&](std::uint32_t, const esp::InboundSa& s) {
    BOOST_TEST(s.spi() > previous);  // ordered by SPI
    previous = s.spi();
    ++listed;
  });
  BOOST_TEST(listed == reference.size());
}

BOOST_AUTO_TEST_CASE(remapping_routes_keeps_the_sas_of_kept_routes) {
  auto engine = std::move(esp::Engine::create()).value();
  tunnel::SaDatabase db(*engine);
  db.set_route_count(3);
  for (std::uint32_t r = 0; r < 3; ++r) {
    BOOST_TEST(db.set_outbound(r, sa(300 + r)));
    BOOST_TEST(db.add_inbound(r, sa(400 + r)));
  }
  const esp::OutboundSa* kept = db.outbound(2);
  const esp::InboundSa* kept_in = db.inbound(402);
  // Route 0 is removed, 2 becomes 0, 1 stays 1; a new route 2 appears.
  const std::uint32_t new_index[] = {tunnel::SaDatabase::kRemoved, 1, 0};
  db.remap_routes(new_index, 3);
  BOOST_TEST(db.route_count() == 3u);
  BOOST_TEST(db.outbound(0) == kept);  // the same object: sequence numbers go on
  BOOST_TEST(db.outbound(1)->spi() == 301u);
  BOOST_TEST(db.outbound(2) == nullptr);
  BOOST_TEST(db.inbound(400) == nullptr);
  BOOST_TEST(db.inbound(402) == kept_in);
  BOOST_TEST(db.inbound_count() == 2u);
  std::uint32_t route_of_402 = 99;
  db.for_each_inbound([&](std::uint32_t route, const esp::InboundSa& s) {
    if (s.spi() == 402) route_of_402 = route;
  });
  BOOST_TEST(route_of_402 == 0u);
}
