#define BOOST_TEST_MODULE scenario
#include "bench/scenario.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

using namespace strait;

namespace {

bench::Options key_exchange_options(std::uint32_t routes) {
  bench::Options options;
  options.routes = routes;
  options.packets = 20'000;
  options.key_exchange = true;
  options.negotiation_ttl = 1;
  options.sa_ttl = bench::shortest_safe_sa_ttl(routes, 1);
  options.timeout_seconds = 60;
  return options;
}

}  // namespace

BOOST_AUTO_TEST_CASE(negotiated_routes_carry_every_packet) {
  // 40 routes: more than the 32 negotiations at once and the 20 a second.
  for (const std::uint32_t routes : {1u, 3u, 40u}) {
    BOOST_TEST_CONTEXT(routes << " routes") {
      bench::Options options = key_exchange_options(routes);
      std::uint32_t progress_calls = 0;
      options.progress = [&](std::uint32_t keyed, double) {
        BOOST_TEST(keyed <= routes);
        ++progress_calls;
      };
      const auto result = bench::run(options);
      BOOST_TEST_REQUIRE(result.ok(), (result ? std::string() : result.error().message));
      const bench::Report& r = *result;
      BOOST_TEST(r.sent == options.packets);
      BOOST_TEST(r.received == r.sent);  // nothing lost
      BOOST_TEST(r.corrupted == 0u);
      BOOST_TEST_REQUIRE(r.key_exchange.has_value());
      const bench::KeyExchangeReport& k = *r.key_exchange;
      BOOST_TEST(k.routes_keyed == routes);
      BOOST_TEST(k.routes_keyed_after == routes);
      BOOST_TEST(k.outbound_sa_expired == 0u);
      BOOST_TEST(k.exchanges <= k.initiated + 32);
      // The fast-forward went on until a rekey took effect: at least half
      // of sa-ttl plus the activation delay after the first exchange.
      BOOST_TEST(k.keying_virtual_seconds <= k.fast_forward_virtual_seconds);
      BOOST_TEST(k.fast_forward_virtual_seconds >= options.sa_ttl / 2.0 + 1.5);
      // Fast-forwarded, not waited for.
      BOOST_TEST(k.keying_seconds < k.fast_forward_virtual_seconds);
      // (The first progress report comes after a minute of virtual time.)
      BOOST_TEST((progress_calls > 0) == (k.fast_forward_virtual_seconds >= 60));
      // 20 negotiations start per second: 40 routes take more than one.
      if (routes > 20) BOOST_TEST(k.keying_virtual_seconds >= 1.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(static_sas_report_no_key_exchange) {
  bench::Options options;
  options.routes = 2;
  options.packets = 5'000;
  const auto result = bench::run(options);
  BOOST_TEST_REQUIRE(result.ok(), (result ? std::string() : result.error().message));
  BOOST_TEST(result->received == 5'000u);
  BOOST_TEST(result->corrupted == 0u);
  BOOST_TEST(!result->key_exchange.has_value());
}

BOOST_AUTO_TEST_CASE(the_shortest_safe_lifetime_fits_rekeying_and_a_retry) {
  for (const std::uint32_t routes : {1u, 100u, 1000u, 10000u, 65536u}) {
    for (const std::uint32_t negotiation_ttl : {1u, 5u, 30u}) {
      BOOST_TEST_CONTEXT(routes << " routes, negotiation-ttl " << negotiation_ttl) {
        const double ttl = bench::shortest_safe_sa_ttl(routes, negotiation_ttl);
        const double turn = routes / 20.0, activation = 1.5 * negotiation_ttl;
        // Rekeying at up to 5/8 of the lifetime, then a failed attempt and
        // the activation delay, still inside the lifetime.
        BOOST_TEST(ttl * 5 / 8 + negotiation_ttl + activation < ttl);
        // A whole turn of the queue plus the jitter and activation.
        BOOST_TEST(turn + ttl / 8 + activation < ttl);
      }
    }
  }
  // 10,000 routes: rekeys fall due faster than the key manager's 20
  // initiations a second, so it works at its cap.
  BOOST_TEST(10000 / (0.5625 * bench::shortest_safe_sa_ttl(10000, 5)) > 20);
  BOOST_TEST(bench::shortest_safe_sa_ttl(10000, 5) == 756u);
}

BOOST_AUTO_TEST_CASE(zero_lifetimes_are_refused) {
  bench::Options options = key_exchange_options(1);
  options.sa_ttl = 0;
  BOOST_TEST(!bench::run(options).ok());
  options = key_exchange_options(1);
  options.negotiation_ttl = 0;
  BOOST_TEST(!bench::run(options).ok());
}
