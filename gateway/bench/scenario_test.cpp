#define BOOST_TEST_MODULE scenario
#include "bench/scenario.hpp"

#include <sched.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <string>

#include "esp/engine.hpp"

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
      BOOST_TEST(r.packets == options.packets);  // every one out, as sent
      BOOST_TEST(!r.sa_counts_checked);          // SAs change: checked on the wire only
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
  BOOST_TEST(result->packets == 5'000u);
  BOOST_TEST(result->sa_counts_checked);
  BOOST_TEST(!result->key_exchange.has_value());
}

namespace {

bench::Options small_run() {
  bench::Options options;
  options.frame_sizes = {64, 64, 594, 64, 64, 594, 64, 64, 594, 64, 594, 1518};
  options.size_label = "IMIX";
  options.routes = 5;
  options.packets = 6'000;
  options.rounds = 3;
  return options;
}

// Runs with a fault; the error it must end with (empty: it passed).
std::string failure_with(bench::Fault::Kind kind, std::uint64_t packet,
                         bench::Options options = small_run()) {
  options.fault = {kind, packet};
  const auto result = bench::run(options);
  return result ? std::string() : result.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(both_figures_come_from_the_same_rounds) {
  const auto result = bench::run(small_run());
  BOOST_TEST_REQUIRE(result.ok(), (result ? std::string() : result.error().message));
  const bench::Report& r = *result;
  BOOST_TEST(r.packets == 6'000u);
  BOOST_TEST(r.in_flight == 504u);  // a whole number of IMIX cycles (12)
  BOOST_TEST(r.sa_counts_checked);
  BOOST_TEST(r.pipeline_ns_rounds.size() == 3u);
  BOOST_TEST(r.crypto_ns_rounds.size() == 3u);
  BOOST_TEST(r.ratio_rounds.size() == 3u);
  BOOST_TEST(r.crypto_ns > 0);
  // The pipeline does the cryptography and more.
  BOOST_TEST(r.pipeline_ns > r.crypto_ns);
  BOOST_TEST(r.ratio > 1);
  BOOST_TEST(!r.esp_architecture.empty());
  BOOST_TEST(r.esp_architecture == esp::architecture_name(esp::calibration().chosen));
}

BOOST_AUTO_TEST_CASE(a_corrupted_packet_fails_the_run) {
  const std::string error = failure_with(bench::Fault::Kind::kCorruptPayload, 1'234);
  BOOST_TEST(contains(error, "packet 1234 (route r4, 594-byte frame) came out altered"), error);
  BOOST_TEST(contains(error, "(payload)"), error);
  // A short frame's payload is compared another way (inline).
  const std::string short_frame = failure_with(bench::Fault::Kind::kCorruptPayload, 1'233);
  BOOST_TEST(contains(short_frame,
                      "packet 1233 (route r3, 64-byte frame) came out altered: "
                      "byte 63 (payload) is 0x3e, sent 0x3f"),
             short_frame);
}

BOOST_AUTO_TEST_CASE(a_misrouted_packet_fails_the_run) {
  const std::string error = failure_with(bench::Fault::Kind::kRewriteDestination, 777);
  BOOST_TEST(contains(error, "packet 777 (route r2, 64-byte frame)"), error);
  BOOST_TEST(contains(error, "(IP destination)"), error);
  BOOST_TEST(contains(error, "delivered to 20.0.3.1, sent to 20.0.2.1 (misrouted)"), error);
}

BOOST_AUTO_TEST_CASE(a_packet_under_another_routes_sa_fails_the_run) {
  // The gateway's first two routes swapped: their packets still come out
  // intact (each decrypted under the SA it was sent under), so only the
  // check of the SA on the public loop sees it, at the first packet.
  const std::string error = failure_with(bench::Fault::Kind::kSwapRoutes, 0);
  BOOST_TEST(contains(error, "packet 0 (route r0, 64-byte frame) left under SPI 257"), error);
  BOOST_TEST(contains(error, "the wrong SA"), error);
}

BOOST_AUTO_TEST_CASE(a_lost_packet_fails_the_run_at_once) {
  const auto start = std::chrono::steady_clock::now();
  const std::string error = failure_with(bench::Fault::Kind::kDrop, 2'000);
  BOOST_TEST(contains(error, "packet 2000 (route r0, 594-byte frame) never came out"), error);
  BOOST_TEST(contains(error, "packet 2001 came out in its place (1 lost)"), error);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(seconds < 1.0);  // not the stall check: at the packet after it
}

BOOST_AUTO_TEST_CASE(a_packet_the_gateway_cannot_decrypt_is_lost) {
  const std::string error = failure_with(bench::Fault::Kind::kCorruptCiphertext, 3'003);
  BOOST_TEST(contains(error, "packet 3003 (route r3, 64-byte frame) never came out"), error);
}

BOOST_AUTO_TEST_CASE(the_last_packet_lost_ends_the_run_within_a_second_or_so) {
  // Nothing comes after it: the stall check ends the run, long before the
  // time limit.
  bench::Options options = small_run();
  options.timeout_seconds = 60;
  const auto start = std::chrono::steady_clock::now();
  const std::string error = failure_with(bench::Fault::Kind::kDrop, 5'999, options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  BOOST_TEST(contains(error, "no packet came out of the gateway for 1"), error);
  BOOST_TEST(contains(error, "packet 5999 and the 0 sent after it are lost"), error);
  BOOST_TEST(seconds >= 1.0);
  BOOST_TEST(seconds < 5.0);
}

BOOST_AUTO_TEST_CASE(a_fault_outside_the_run_changes_nothing) {
  // The same hooks aimed past the last packet: the run passes (the checks
  // above fail because of the faults, not because of the hooks).
  for (const auto kind :
       {bench::Fault::Kind::kCorruptPayload, bench::Fault::Kind::kDrop,
        bench::Fault::Kind::kRewriteDestination, bench::Fault::Kind::kCorruptCiphertext})
    BOOST_TEST(failure_with(kind, 1'000'000).empty());
}

BOOST_AUTO_TEST_CASE(queues_share_out_the_routes) {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  if (CPU_COUNT(&set) < 2 || !CPU_ISSET(0, &set) || !CPU_ISSET(1, &set)) {
    BOOST_TEST_MESSAGE("fewer than 2 CPUs (0 and 1): 2 queues not run");
    return;
  }
  bench::Options options = small_run();
  options.queues = 2;
  const auto result = bench::run(options);
  BOOST_TEST_REQUIRE(result.ok(), (result ? std::string() : result.error().message));
  // Each queue its packets, and queue 0 once more alone in every round.
  BOOST_TEST(result->packets == 3u * 6'000u);
  BOOST_TEST(result->scaling_rounds.size() == 3u);
  BOOST_TEST(result->scaling > 0);
  BOOST_TEST(result->single_queue_mpps > 0);
  options.routes = 1;
  BOOST_TEST(!bench::run(options).ok());  // a queue without a route
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
