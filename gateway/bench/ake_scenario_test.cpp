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
      // What the scenario's inputs decide (PROTOCOL.md 2.4, key_manager.hpp):
      // sa-ttl is 600 s, so within a run that ends long before sa-ttl/2 no SA
      // expires and no route is rekeyed; the in-memory wire loses nothing,
      // and each side starts at most kInitiationsPerSecond (20) negotiations
      // a second, the first at once, which keeps both under the peer's 100
      // messages a second (an exchange is two messages to each side).
      BOOST_TEST(r.virtual_seconds < 300);
      BOOST_TEST(r.paris.dropped == 0u);
      BOOST_TEST(r.tokyo.dropped == 0u);
      BOOST_TEST(r.paris.expired == 0u);
      BOOST_TEST(r.tokyo.expired == 0u);
      // So every negotiation a side starts completes at both ends: its
      // keypairs-negotiated, the peer's keypairs-offered and its own
      // negotiations-initiated are the same number.
      BOOST_TEST(r.paris.completed == r.paris.initiated);
      BOOST_TEST(r.tokyo.completed == r.tokyo.initiated);
      BOOST_TEST(r.paris.completed == r.tokyo.responded);
      BOOST_TEST(r.tokyo.completed == r.paris.responded);
      // Every route is negotiated at least once, and by each side at most
      // once (no rekey).
      BOOST_TEST(r.paris.initiated <= routes);
      BOOST_TEST(r.tokyo.initiated <= routes);
      BOOST_TEST(r.exchanges >= routes);
      BOOST_TEST(r.exchanges <= 2u * routes);
      // Both sides start negotiating at once: a single route is negotiated
      // by both before either exchange completes.
      if (routes == 1) BOOST_TEST(r.exchanges == 2u);
      // Each completed exchange leaves an inbound SA on each gateway (none
      // expires, and at most two per route are fewer than the four kept):
      // the SA databases count the exchanges without the key managers'
      // counters.
      BOOST_TEST(r.paris.inbound_sas == r.exchanges);
      BOOST_TEST(r.tokyo.inbound_sas == r.exchanges);
      // The initiation pace in virtual time: by time t a side has started
      // at most 1 + 20 t negotiations, and the routes need `routes` of them
      // between both sides, so the run lasts at least (routes / 2 - 1) / 20
      // seconds (0.025 s for 3 routes, 0.95 s for 40).
      BOOST_TEST(r.paris.initiated <= 1 + 20 * r.virtual_seconds + 1e-9);
      BOOST_TEST(r.tokyo.initiated <= 1 + 20 * r.virtual_seconds + 1e-9);
      if (routes > 2) BOOST_TEST(r.virtual_seconds >= (routes / 2.0 - 1) / 20);
      BOOST_TEST(r.seconds > 0);
      BOOST_TEST(r.exchanges_per_second > 0);
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
