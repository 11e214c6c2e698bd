#define BOOST_TEST_MODULE top
#include <boost/test/unit_test.hpp>
#include <string>

#include "top/top_model.hpp"
#include "top/top_screen.hpp"

using namespace strait;

namespace {

// A gateway-state as `strait run` writes it, with the counters scaled.
std::string state(std::uint64_t k, std::size_t extra_sas = 0) {
  const auto n = [&](std::uint64_t base) { return std::to_string(base * k); };
  std::string text =
      "gateway-state {\n  private-interface {\n    rxbytes " + n(1000) + ";\n    rxpackets " +
      n(10) + ";\n    txbytes " + n(2000) + ";\n    txpackets " + n(20) + ";\n    rxdrop " + n(1) +
      ";\n    rxerrors 0;\n  }\n  public-interface {\n    rxbytes " + n(500) + ";\n    rxpackets " +
      n(5) +
      ";\n    txbytes 0;\n    txpackets 0;\n  }\n"
      "  public-dispatch {\n    protocol-errors " +
      n(3) +
      ";\n    checksum-errors 0;\n  }\n  key-manager {\n"
      "    negotiations-initiated " +
      n(1) + ";\n    keypairs-negotiated " + n(1) + ";\n    authentication-errors 2;\n  }\n";
  text +=
      "  inbound-sa {\n    spi 1001;\n    queue 1;\n    route paris-berlin;\n"
      "    sa-state {\n      rxerrors 0;\n      protocol-errors 0;\n      decrypt-errors 1;\n"
      "    }\n    age 30;\n    expires-in 570;\n    highest-sequence " +
      n(100) + ";\n  }\n";
  text += "  outbound-sa {\n    route paris-berlin;\n    queue 1;\n    spi 2002;\n    packets " +
          n(50) + ";\n    age 30;\n    expires-in 570;\n    rekey-in 270;\n  }\n";
  for (std::size_t i = 0; i < extra_sas; ++i)
    text += "  inbound-sa {\n    spi " + std::to_string(3000 + i) +
            ";\n    queue 2;\n    route a-route-with-a-rather-long-name-" + std::to_string(i) +
            ";\n    sa-state {\n      rxerrors 0;\n    }\n    highest-sequence 0;\n  }\n";
  return text + "}\n";
}

top::Snapshot snapshot(std::uint64_t k, base::Nanoseconds taken, std::size_t extra_sas = 0) {
  top::StateReading reading{{{std::nullopt, state(k, extra_sas)}}, taken};
  auto parsed = top::parse_snapshot(reading);
  BOOST_REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? std::string() : parsed.error().message));
  return *parsed;
}

bool contains(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(rates_from_two_snapshots) {
  // k = 1 then k = 3, two seconds apart: every counter doubled its base.
  const top::Snapshot a = snapshot(1, 10 * base::kSecond);
  const top::Snapshot b = snapshot(3, 12 * base::kSecond);
  const top::View view = top::compute_view(&a, b);
  BOOST_TEST(view.has_rates);
  BOOST_TEST(view.elapsed == 2.0);
  BOOST_REQUIRE(view.interfaces.size() == 2u);
  const top::InterfaceRates& priv = view.interfaces[0];
  BOOST_TEST(priv.interface == "private");
  BOOST_TEST(priv.queue == "all");
  BOOST_TEST(priv.rx_pps == 10.0);        // (30 - 10) / 2
  BOOST_TEST(priv.rx_bps == 8 * 1000.0);  // (3000 - 1000) / 2 bytes
  BOOST_TEST(priv.tx_pps == 20.0);
  BOOST_TEST(view.interfaces[1].rx_pps == 5.0);
  // Drops and errors: the non-zero ones only, busiest first.
  BOOST_REQUIRE(view.problems.size() == 4u);
  BOOST_TEST(view.problems[0].reason == "protocol-errors");
  BOOST_TEST(view.problems[0].per_second == 3.0);
  BOOST_TEST(view.problems[0].total == 9u);
  bool drop = false;
  for (const auto& p : view.problems)
    drop = drop || (p.where == "private-interface" && p.reason == "rxdrop" && p.per_second == 1.0);
  BOOST_TEST(drop);
  // SAs: outbound first, packet rates from the sequence numbers.
  BOOST_REQUIRE(view.sas.size() == 2u);
  BOOST_TEST(view.sas[0].sa.outbound);
  BOOST_TEST(view.sas[0].sa.spi == 2002u);
  BOOST_TEST(*view.sas[0].sa.rekey_in == 270u);
  BOOST_TEST(view.sas[0].pps == 50.0);
  BOOST_TEST(view.sas[1].sa.spi == 1001u);
  BOOST_TEST(view.sas[1].sa.errors == 1u);
  BOOST_TEST(view.sas[1].pps == 100.0);
  // Key exchange: deltas, failures summed.
  BOOST_TEST(view.key_failures == 2u);
  bool negotiated = false;
  for (const auto& e : view.key_exchange)
    negotiated = negotiated || (e.counter == "keypairs-negotiated" && e.total == 3 && e.delta == 2);
  BOOST_TEST(negotiated);
}

BOOST_AUTO_TEST_CASE(first_snapshot_has_no_rates) {
  const top::Snapshot a = snapshot(1, 10 * base::kSecond);
  const top::View view = top::compute_view(nullptr, a);
  BOOST_TEST(!view.has_rates);
  BOOST_TEST(view.interfaces[0].rx_pps == 0.0);
  // Nor does a snapshot no newer than the previous one.
  BOOST_TEST(!top::compute_view(&a, a).has_rates);
}

BOOST_AUTO_TEST_CASE(screen_fits_80x24_and_shows_every_section) {
  const top::Snapshot a = snapshot(1, 10 * base::kSecond, 30);
  const top::Snapshot b = snapshot(1000, 11 * base::kSecond, 30);
  const top::View view = top::compute_view(&a, b);
  top::EventLog log;
  for (int i = 0; i < 20; ++i)
    log.record(view, "12:00:" + std::to_string(10 + i));
  const auto lines = top::render_screen(view, log, {"paris", "12:00:00", "", "q quits"}, 80, 24);
  BOOST_TEST(lines.size() <= 24u);
  for (const auto& l : lines)
    BOOST_TEST(l.size() <= 80u, l);
  BOOST_TEST(lines[0].starts_with("strait top: paris"));
  BOOST_TEST(contains(lines, "INTERFACE"));
  BOOST_TEST(contains(lines, "DROPS/ERRORS"));
  BOOST_TEST(contains(lines, "SA  ROUTE"));
  BOOST_TEST(contains(lines, "KEY EXCHANGE"));
  BOOST_TEST(contains(lines, "private   all"));
  BOOST_TEST(contains(lines, "9.99k"));                       // private rx pkt/s: 9990
  BOOST_TEST(contains(lines, "in  a-route-with-~ 2  3000"));  // cut to its column
  BOOST_TEST(contains(lines, "more"));                        // 32 SAs do not fit
  BOOST_TEST(contains(lines, "keypairs-negotiated +999"));

  // Taller: more SA rows; narrow and short: still within bounds.
  const auto tall = top::render_screen(view, log, {"paris", "12:00:00", "", ""}, 100, 120);
  BOOST_TEST(
      contains(tall, "out paris-berlin   1  2002          30s   270s    570s     50.0k  50.0k"));
  BOOST_TEST(tall.size() > lines.size());
  BOOST_TEST(tall.size() <= 120u);
  for (int w : {20, 40, 80})
    for (int h : {1, 5, 10, 24}) {
      const auto small = top::render_screen(view, log, {"paris", "t", "an error", ""}, w, h);
      BOOST_TEST(small.size() <= static_cast<std::size_t>(h));
      for (const auto& l : small)
        BOOST_TEST(l.size() <= static_cast<std::size_t>(w));
    }
}

BOOST_AUTO_TEST_CASE(formats) {
  BOOST_TEST(top::format_si(0) == "0");
  BOOST_TEST(top::format_si(999) == "999");
  BOOST_TEST(top::format_si(1234) == "1.23k");
  BOOST_TEST(top::format_si(12345678) == "12.3M");
  BOOST_TEST(top::format_si(2.5) == "2.5");
  BOOST_TEST(top::format_duration(42) == "42s");
  BOOST_TEST(top::format_duration(1200) == "20m");
  BOOST_TEST(top::format_duration(7200 * 6) == "12h");
}

BOOST_AUTO_TEST_CASE(unparsable_state_is_an_error) {
  top::StateReading reading{{{std::nullopt, "gateway-state { broken"}}, 1};
  BOOST_TEST(!top::parse_snapshot(reading).ok());
}

// What the control socket gives: every queue summed, and each queue. Rates
// per queue; SAs, problems and key-exchange counters counted once.
BOOST_AUTO_TEST_CASE(summed_and_per_queue_documents) {
  const auto reading = [](std::uint64_t k, base::Nanoseconds taken) {
    top::StateReading r{{{std::nullopt, state(2 * k)}, {1u, state(k)}, {2u, state(k)}}, taken};
    auto parsed = top::parse_snapshot(r);
    BOOST_REQUIRE_MESSAGE(parsed.ok(), (parsed.ok() ? std::string() : parsed.error().message));
    return *parsed;
  };
  const top::Snapshot a = reading(1, 10 * base::kSecond);
  const top::Snapshot b = reading(3, 12 * base::kSecond);
  const top::View view = top::compute_view(&a, b);
  BOOST_REQUIRE(view.interfaces.size() == 6u);  // private and public: all, 1, 2
  BOOST_TEST(view.interfaces[0].queue == "all");
  BOOST_TEST(view.interfaces[0].rx_pps == 20.0);
  BOOST_TEST(view.interfaces[1].queue == "1");
  BOOST_TEST(view.interfaces[1].rx_pps == 10.0);
  BOOST_TEST(view.interfaces[2].queue == "2");
  BOOST_TEST(view.interfaces[2].rx_pps == 10.0);
  BOOST_TEST(view.sas.size() == 2u);  // from the summed document only
  BOOST_TEST(view.key_failures == 2u);
  std::size_t negotiated = 0;
  for (const auto& e : view.key_exchange)
    negotiated += e.counter == "keypairs-negotiated" ? 1 : 0;
  BOOST_TEST(negotiated == 1u);
  BOOST_TEST(view.problems.size() == 4u);
}
