#define BOOST_TEST_MODULE base
#include <boost/test/unit_test.hpp>

#include "base/clock.hpp"
#include "base/hex.hpp"
#include "base/random.hpp"
#include "base/result.hpp"

#include <cstring>
#include <vector>

using namespace strait::base;

BOOST_AUTO_TEST_CASE(hex_round_trip) {
  auto bytes = decode_hex("00ff10Ab");
  BOOST_REQUIRE(bytes);
  BOOST_TEST(bytes->size() == 4u);
  BOOST_TEST((*bytes)[3] == 0xab);
  BOOST_TEST(encode_hex(*bytes) == "00ff10ab");
}

BOOST_AUTO_TEST_CASE(hex_rejects_bad_input) {
  BOOST_TEST(!decode_hex("0").has_value());
  BOOST_TEST(!decode_hex("0g").has_value());
  BOOST_TEST(!decode_hex("00 11").has_value());
  BOOST_TEST(decode_hex("00 11", true).value().size() == 2u);
  BOOST_TEST(!decode_hex("0 011", true).has_value());
}

BOOST_AUTO_TEST_CASE(seeded_random_is_deterministic) {
  SeededRandom a(42), b(42), c(43);
  std::uint8_t x[16], y[16], z[16];
  a.fill(x);
  b.fill(y);
  c.fill(z);
  BOOST_TEST(encode_hex(x) == encode_hex(y));
  BOOST_TEST(encode_hex(x) != encode_hex(z));
  std::uint8_t x2[16];
  a.fill(x2);  // successive draws differ
  BOOST_TEST(encode_hex(x) != encode_hex(x2));
  for (int i = 0; i < 1000; ++i)
    BOOST_TEST(a.uniform(7) < 7u);
}

BOOST_AUTO_TEST_CASE(manual_clock_moves_only_when_told) {
  ManualClock clock(5);
  BOOST_TEST(clock.now() == 5u);
  clock.advance(kSecond);
  BOOST_TEST(clock.now() == 5u + kSecond);
  SystemClock system;
  auto t0 = system.now();
  BOOST_TEST(system.now() >= t0);
}

BOOST_AUTO_TEST_CASE(result_carries_value_or_error) {
  Result<int> good = 3;
  Result<int> bad = Error{"nope"};
  BOOST_TEST(good.ok());
  BOOST_TEST(*good == 3);
  BOOST_TEST(!bad.ok());
  BOOST_TEST(bad.error().message == "nope");
}

#include <set>

#include "base/locked_pool.hpp"

namespace {
struct Keyed {
  explicit Keyed(std::uint8_t fill) { std::memset(bytes, fill, sizeof bytes); }
  std::uint8_t bytes[100];
};
}  // namespace

BOOST_AUTO_TEST_CASE(locked_pool_keeps_objects_in_place_and_wipes_them) {
  LockedPool<Keyed> pool;
  std::vector<Keyed*> objects;
  for (int i = 0; i < 200; ++i)
    objects.push_back(pool.create(static_cast<std::uint8_t>(i + 1)));
  BOOST_TEST(pool.capacity() >= 200u);
  std::set<Keyed*> distinct(objects.begin(), objects.end());
  BOOST_TEST(distinct.size() == 200u);
  // Growth did not move earlier objects.
  for (int i = 0; i < 200; ++i)
    BOOST_TEST(objects[static_cast<std::size_t>(i)]->bytes[99] == i + 1);
  Keyed* victim = objects[7];
  pool.destroy(victim);
  // The slot stays mapped and holds zeros, not the old key bytes.
  const auto* raw = reinterpret_cast<const std::uint8_t*>(victim);
  for (std::size_t i = 0; i < sizeof(Keyed); ++i)
    BOOST_TEST(raw[i] == 0);
  Keyed* reused = pool.create(std::uint8_t{0xaa});
  BOOST_TEST(reused == victim);  // the freed slot is recycled
  {
    auto owned = pool.make(std::uint8_t{0x55});
    BOOST_REQUIRE(owned);
    BOOST_TEST(owned->bytes[0] == 0x55);
  }  // returned to the pool by its deleter
  BOOST_TEST(pool.create(std::uint8_t{1}) != nullptr);
}

#include "base/rate_limit.hpp"

BOOST_AUTO_TEST_CASE(rate_limit_refills_continuously) {
  RateLimit limit(100, kSecond);
  Nanoseconds now = 5 * kSecond;
  int allowed = 0;
  for (int i = 0; i < 250; ++i)
    allowed += limit.allow(now);
  BOOST_TEST(allowed == 100);  // a full bucket, then nothing
  BOOST_TEST(limit.suppressed() == 150u);
  now += 10 * kMillisecond;  // one event's worth of credit
  BOOST_TEST(limit.allow(now));
  BOOST_TEST(!limit.allow(now));
  // Over any second, at most burst + what refilled: no double burst at a
  // window boundary.
  now += kSecond;
  allowed = 0;
  for (int i = 0; i < 300; ++i)
    allowed += limit.allow(now);
  BOOST_TEST(allowed == 100);
  // Evenly spaced events: one every 50 ms.
  RateLimit paced(1, 50 * kMillisecond);
  BOOST_TEST(paced.allow(0));
  BOOST_TEST(!paced.allow(49 * kMillisecond));
  BOOST_TEST(paced.allow(50 * kMillisecond));
  BOOST_TEST(!paced.allow(60 * kMillisecond));
}

#include <signal.h>

#include "base/blocked_signals.hpp"

// A blocked signal waits on the descriptor, taken once, in order.
BOOST_AUTO_TEST_CASE(blocked_signals_are_read_from_the_descriptor) {
  const strait::base::BlockedSignals signals({SIGUSR1, SIGUSR2});
  BOOST_TEST_REQUIRE(signals.fd() >= 0);
  BOOST_TEST(signals.take() == 0);
  BOOST_TEST_REQUIRE(raise(SIGUSR2) == 0);  // blocked: pending, not delivered
  BOOST_TEST(signals.take() == SIGUSR2);
  BOOST_TEST(signals.take() == 0);
}
