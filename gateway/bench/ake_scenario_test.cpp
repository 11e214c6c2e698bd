#define BOOST_TEST_MODULE ake_scenario
#include "bench/ake_scenario.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace strait;

BOOST_AUTO_TEST_CASE(every_route_is_keyed_on_both_gateways) {
  // 40 routes: more than the 32 negotiations a key manager runs at once.
  for (const std::uint32_t routes : {1u, 3u, 40u}) {
    BOOST_TEST_CONTEXT(routes << " routes") {
      bench::AkeOptions options;
      options.routes = routes;
      const auto result = bench::run_ake(options);
      BOOST_TEST_REQUIRE(result.ok(), (result ? std::string() : result.error().message));
      const bench::AkeReport& r = *result;
      BOOST_TEST(r.complete);
      BOOST_TEST(r.routes == routes);
      BOOST_TEST(r.paris.routes_keyed == routes);
      BOOST_TEST(r.tokyo.routes_keyed == routes);
      BOOST_TEST(r.paris.routes_with_inbound == routes);
      BOOST_TEST(r.tokyo.routes_with_inbound == routes);
      // Every completed exchange has a responder on the other side.
      BOOST_TEST(r.paris.completed <= r.tokyo.responded);
      BOOST_TEST(r.tokyo.completed <= r.paris.responded);
      BOOST_TEST(r.exchanges == r.paris.completed + r.tokyo.completed);
      BOOST_TEST(r.exchanges >= routes);
      // Every route was initiated by at least one side (a route the peer
      // keys first is not negotiated again until its rekey time).
      BOOST_TEST(r.paris.initiated + r.tokyo.initiated >= routes);
      BOOST_TEST(r.seconds > 0);
      BOOST_TEST(r.exchanges_per_second > 0);
      // Each gateway takes at most 100 messages a second; an exchange is
      // four messages, two for each side.
      BOOST_TEST(r.virtual_seconds >= static_cast<double>(r.exchanges) * 2 / 100 / 2 - 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_route_counts_are_refused) {
  bench::AkeOptions options;
  options.routes = 0;
  BOOST_TEST(!bench::run_ake(options).ok());
  options.routes = 65537;
  BOOST_TEST(!bench::run_ake(options).ok());
}
