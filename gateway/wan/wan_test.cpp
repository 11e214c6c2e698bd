#define BOOST_TEST_MODULE wan
// The WAN link emulator on in-memory wires and virtual time:
//   host A -- wire -- [a  LinkEmulator  b] -- wire -- host B

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <memory>
#include <vector>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "wan/link_emulator.hpp"
#include "wan/link_profile.hpp"

using namespace strait;
using base::kMillisecond;
using base::Nanoseconds;

namespace {

constexpr Nanoseconds kMicrosecond = 1000;

// A frame received by a host, with the virtual time it was received at.
struct Arrival {
  std::uint32_t sequence;
  std::uint32_t length;
  Nanoseconds at;
};

class Bench {
 public:
  explicit Bench(const wan::LinkProfiles& profiles, std::size_t hold_capacity = 4096,
                 std::size_t pool_frames = 8192, std::uint64_t seed = 1)
      : pool_(make_pool(pool_frames)),
        wire_a_(*pool_, 4096),
        wire_b_(*pool_, 4096),
        random_(seed),
        emulator_(wire_a_.b(), wire_b_.a(), wan::EmulatorOptions{profiles, hold_capacity}, clock_,
                  random_) {}

  ~Bench() {
    drain(host_a());
    drain(host_b());
  }

  io::MemoryPort& host_a() { return wire_a_.a(); }
  io::MemoryPort& host_b() { return wire_b_.b(); }
  wan::LinkEmulator& emulator() { return emulator_; }
  base::ManualClock& clock() { return clock_; }
  io::FramePool& pool() { return *pool_; }

  // Sends `count` frames of `length` bytes (Ethernet header included) from
  // `host`, numbered from `first`.
  void send(io::MemoryPort& host, std::uint32_t first, std::size_t count,
            std::uint32_t length = 100, std::uint16_t ethertype = 0x0800) {
    for (std::size_t i = 0; i < count; ++i) {
      io::Packet* p = host.allocate();
      BOOST_REQUIRE(p != nullptr);
      std::memset(p->data, 0, 14);
      std::memset(p->data, 0x02, 6);
      p->data[12] = static_cast<std::uint8_t>(ethertype >> 8);
      p->data[13] = static_cast<std::uint8_t>(ethertype);
      const std::uint32_t sequence = first + static_cast<std::uint32_t>(i);
      std::memcpy(p->data + 20, &sequence, sizeof sequence);
      p->length = length;
      host.transmit(std::span<io::Packet* const>(&p, 1));
    }
  }

  // Polls the emulator until it has nothing more to do now, then collects
  // what `host` received.
  std::vector<Arrival> poll_and_collect(io::MemoryPort& host) {
    while (emulator_.poll() > 0) {
    }
    std::vector<Arrival> got;
    io::Packet* burst[64];
    while (std::size_t n = host.receive(burst)) {
      for (std::size_t i = 0; i < n; ++i) {
        Arrival a{};
        std::memcpy(&a.sequence, burst[i]->data + 20, sizeof a.sequence);
        a.length = burst[i]->length;
        a.at = clock_.now();
        got.push_back(a);
        host.release(burst[i]);
      }
    }
    return got;
  }

  // Advances the clock in `step`s up to `until`, polling at every step;
  // returns what `host` received on the way.
  std::vector<Arrival> run(io::MemoryPort& host, Nanoseconds until, Nanoseconds step) {
    std::vector<Arrival> got;
    for (;;) {
      auto now = poll_and_collect(host);
      got.insert(got.end(), now.begin(), now.end());
      if (clock_.now() >= until) break;
      clock_.advance(step);
    }
    return got;
  }

 private:
  static std::unique_ptr<io::FramePool> make_pool(std::size_t count) {
    auto pool = io::FramePool::create(2048, count);
    BOOST_REQUIRE(pool.ok());
    return std::move(pool).value();
  }
  static void drain(io::MemoryPort& host) {
    io::Packet* burst[64];
    while (std::size_t n = host.receive(burst))
      for (std::size_t i = 0; i < n; ++i)
        host.release(burst[i]);
  }

  std::unique_ptr<io::FramePool> pool_;
  io::MemoryWire wire_a_;
  io::MemoryWire wire_b_;
  base::ManualClock clock_{1000 * base::kSecond};
  base::SeededRandom random_;
  wan::LinkEmulator emulator_;
};

wan::LinkProfiles both(const wan::LinkProfile& profile) {
  return {profile, profile};
}

wan::LinkProfile with_delay(Nanoseconds delay) {
  wan::LinkProfile p;
  p.delay = delay;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(named_profiles) {
  const auto paris_tokyo = wan::named_profile("paris-tokyo");
  BOOST_REQUIRE(paris_tokyo.has_value());
  BOOST_TEST(paris_tokyo->delay == 110 * kMillisecond);
  BOOST_TEST(paris_tokyo->jitter > 0u);
  BOOST_TEST(paris_tokyo->loss == 0.0);
  const auto lan = wan::named_profile("lan");
  BOOST_REQUIRE(lan.has_value());
  BOOST_TEST(lan->delay == 0u);
  BOOST_TEST(lan->jitter == 0u);
  const auto lossy = wan::named_profile("lossy");
  BOOST_REQUIRE(lossy.has_value());
  BOOST_TEST(lossy->loss == 0.02);
  BOOST_TEST(!wan::named_profile("mars").has_value());
  BOOST_TEST(wan::describe(*paris_tokyo).find("delay 110 ms") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(lan_forwards_at_once_both_ways) {
  Bench bench(both(*wan::named_profile("lan")));
  bench.send(bench.host_a(), 0, 10);
  bench.send(bench.host_b(), 100, 5);
  const auto at_b = bench.poll_and_collect(bench.host_b());
  const auto at_a = bench.poll_and_collect(bench.host_a());
  BOOST_TEST(at_b.size() == 10u);
  BOOST_TEST(at_a.size() == 5u);
  BOOST_TEST(at_a.front().sequence == 100u);
  BOOST_TEST(bench.emulator().a_to_b().counters().forwarded == 10u);
  BOOST_TEST(bench.emulator().a_to_b().counters().bytes == 1000u);
  BOOST_TEST(bench.emulator().b_to_a().counters().forwarded == 5u);
}

BOOST_AUTO_TEST_CASE(delay_is_exact_per_direction) {
  Bench bench({with_delay(50 * kMillisecond), with_delay(20 * kMillisecond)});
  const Nanoseconds start = bench.clock().now();
  bench.send(bench.host_a(), 1, 1);
  bench.send(bench.host_b(), 2, 1);
  BOOST_TEST(bench.poll_and_collect(bench.host_b()).empty());
  BOOST_TEST(bench.emulator().next_departure() == start + 20 * kMillisecond);

  bench.clock().set(start + 20 * kMillisecond - 1);
  BOOST_TEST(bench.poll_and_collect(bench.host_a()).empty());
  bench.clock().set(start + 20 * kMillisecond);
  BOOST_TEST(bench.poll_and_collect(bench.host_a()).size() == 1u);
  BOOST_TEST(bench.emulator().next_departure() == start + 50 * kMillisecond);

  bench.clock().set(start + 50 * kMillisecond - 1);
  BOOST_TEST(bench.poll_and_collect(bench.host_b()).empty());
  bench.clock().set(start + 50 * kMillisecond);
  const auto got = bench.poll_and_collect(bench.host_b());
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].sequence == 1u);
  BOOST_TEST(bench.emulator().next_departure() == base::kNever);
}

BOOST_AUTO_TEST_CASE(jitter_never_reorders) {
  wan::LinkProfile profile = with_delay(10 * kMillisecond);
  profile.jitter = 5 * kMillisecond;
  Bench bench(both(profile));
  const Nanoseconds start = bench.clock().now();
  constexpr std::uint32_t kFrames = 2000;
  const Nanoseconds gap = 10 * kMicrosecond;
  std::vector<Arrival> got;
  // One frame every 10 us (sent at start + i * gap), polling every 10 us:
  // far closer together than the jitter.
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    bench.send(bench.host_a(), i, 1);
    auto now = bench.poll_and_collect(bench.host_b());
    got.insert(got.end(), now.begin(), now.end());
    bench.clock().advance(gap);
  }
  auto rest = bench.run(bench.host_b(), bench.clock().now() + 20 * kMillisecond, gap);
  got.insert(got.end(), rest.begin(), rest.end());

  BOOST_REQUIRE(got.size() == kFrames);
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    BOOST_TEST_REQUIRE(got[i].sequence == i);  // FIFO
    const Nanoseconds delay = got[i].at - (start + i * gap);
    // Departure within delay +- jitter, seen at the next 10 us poll.
    BOOST_TEST(delay >= 5 * kMillisecond);
    BOOST_TEST(delay <= 15 * kMillisecond + gap);
  }
}

BOOST_AUTO_TEST_CASE(jitter_spreads_the_delay) {
  wan::LinkProfile profile = with_delay(10 * kMillisecond);
  profile.jitter = 5 * kMillisecond;
  Bench bench(both(profile));
  // Each frame sent after the previous one left (16 ms apart, more than
  // the whole jitter range): each one keeps its own draw.
  constexpr int kFrames = 200;
  const Nanoseconds gap = 16 * kMillisecond;
  Nanoseconds shortest = base::kNever;
  Nanoseconds longest = 0;
  Nanoseconds total = 0;
  for (int i = 0; i < kFrames; ++i) {
    const Nanoseconds sent = bench.clock().now();
    bench.send(bench.host_a(), static_cast<std::uint32_t>(i), 1);
    const auto got = bench.run(bench.host_b(), sent + gap - kMicrosecond, kMicrosecond);
    BOOST_REQUIRE(got.size() == 1u);
    const Nanoseconds delay = got[0].at - sent;
    BOOST_TEST(delay >= 5 * kMillisecond);
    BOOST_TEST(delay <= 15 * kMillisecond + kMicrosecond);
    shortest = std::min(shortest, delay);
    longest = std::max(longest, delay);
    total += delay;
    bench.clock().advance(kMicrosecond);
  }
  BOOST_TEST(shortest < 6 * kMillisecond);
  BOOST_TEST(longest > 14 * kMillisecond);
  const Nanoseconds mean = total / kFrames;
  BOOST_TEST(mean > 9 * kMillisecond);
  BOOST_TEST(mean < 11 * kMillisecond);
}

BOOST_AUTO_TEST_CASE(loss_rate_within_statistical_bounds) {
  wan::LinkProfile profile;
  profile.loss = 0.02;
  Bench bench(both(profile), 4096, 8192, 42);
  constexpr std::size_t kFrames = 50000;
  std::size_t received = 0;
  for (std::size_t sent = 0; sent < kFrames; sent += 1000) {
    bench.send(bench.host_a(), static_cast<std::uint32_t>(sent), 1000);
    received += bench.poll_and_collect(bench.host_b()).size();
  }
  const auto& counters = bench.emulator().a_to_b().counters();
  BOOST_TEST(counters.forwarded == received);
  BOOST_TEST(counters.forwarded + counters.dropped_loss == kFrames);
  // Expected 1000 lost, standard deviation about 31: +- 6 sigma.
  BOOST_TEST(counters.dropped_loss > 810u);
  BOOST_TEST(counters.dropped_loss < 1190u);
  // Nothing went the other way.
  BOOST_TEST(bench.emulator().b_to_a().counters().dropped_loss == 0u);
}

BOOST_AUTO_TEST_CASE(same_seed_same_losses_other_seed_other_losses) {
  const auto losses = [](std::uint64_t seed) {
    wan::LinkProfile profile;
    profile.loss = 0.1;
    Bench bench(both(profile), 4096, 8192, seed);
    bench.send(bench.host_a(), 0, 1000);
    std::vector<std::uint32_t> got;
    for (const auto& a : bench.poll_and_collect(bench.host_b()))
      got.push_back(a.sequence);
    return got;
  };
  BOOST_TEST(losses(7) == losses(7));
  BOOST_TEST(losses(7) != losses(8));
}

BOOST_AUTO_TEST_CASE(total_loss_drops_everything) {
  wan::LinkProfile profile;
  profile.loss = 1.0;
  Bench bench(both(profile));
  bench.send(bench.host_a(), 0, 500);
  BOOST_TEST(bench.poll_and_collect(bench.host_b()).empty());
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_loss == 500u);
  BOOST_TEST(bench.pool().available() == bench.pool().count());
}

BOOST_AUTO_TEST_CASE(rate_spaces_frames_by_their_serialization_time) {
  wan::LinkProfile profile = with_delay(1 * kMillisecond);
  profile.rate = 8'000'000;  // 1000 bytes: 1 ms
  Bench bench(both(profile));
  const Nanoseconds start = bench.clock().now();
  bench.send(bench.host_a(), 0, 10, 1000);
  const auto got = bench.run(bench.host_b(), start + 20 * kMillisecond, 50 * kMicrosecond);
  BOOST_REQUIRE(got.size() == 10u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i].sequence == i);
    // Serialized one after the other, then 1 ms on the wire.
    BOOST_TEST(got[i].at == start + (i + 1) * kMillisecond + 1 * kMillisecond);
  }
  // 500-byte frames take half as long.
  const Nanoseconds later = bench.clock().now();
  bench.send(bench.host_a(), 100, 4, 500);
  const auto half = bench.run(bench.host_b(), later + 10 * kMillisecond, 50 * kMicrosecond);
  BOOST_REQUIRE(half.size() == 4u);
  for (std::size_t i = 1; i < half.size(); ++i)
    BOOST_TEST(half[i].at - half[i - 1].at == kMillisecond / 2);
}

BOOST_AUTO_TEST_CASE(rate_backlog_beyond_the_limit_is_dropped) {
  wan::LinkProfile profile;
  profile.rate = 8'000'000;  // 1000 bytes: 1 ms
  profile.max_backlog = 5 * kMillisecond;
  Bench bench(both(profile));
  bench.send(bench.host_a(), 0, 20, 1000);
  bench.emulator().poll();
  // Frame k starts after k ms of backlog: 0 to 5 are held, the rest dropped.
  BOOST_TEST(bench.emulator().a_to_b().held() == 6u);
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_backlog == 14u);
}

BOOST_AUTO_TEST_CASE(frames_over_the_mtu_are_dropped_and_counted) {
  wan::LinkProfile profile;
  profile.mtu = 1000;
  Bench bench(both(profile));
  bench.send(bench.host_a(), 0, 1, 14 + 1000);          // exactly the MTU
  bench.send(bench.host_a(), 1, 1, 14 + 1001);          // one byte over
  bench.send(bench.host_a(), 2, 1, 18 + 1000, 0x8100);  // tagged, at the MTU
  bench.send(bench.host_a(), 3, 1, 14 + 1000 - 1, 0x86dd);
  const auto got = bench.poll_and_collect(bench.host_b());
  BOOST_REQUIRE(got.size() == 3u);
  BOOST_TEST(got[0].sequence == 0u);
  BOOST_TEST(got[1].sequence == 2u);
  BOOST_TEST(got[2].sequence == 3u);
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_mtu == 1u);
  BOOST_TEST(bench.emulator().a_to_b().counters().forwarded == 3u);
}

BOOST_AUTO_TEST_CASE(full_hold_queue_drops_and_counts) {
  Bench bench(both(with_delay(base::kSecond)), 8);
  bench.send(bench.host_a(), 0, 20);
  bench.emulator().poll();
  BOOST_TEST(bench.emulator().a_to_b().held() == 8u);
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_queue_full == 12u);
  // The oldest eight get through, in order; room again afterwards.
  bench.clock().advance(base::kSecond);
  const auto got = bench.poll_and_collect(bench.host_b());
  BOOST_REQUIRE(got.size() == 8u);
  for (std::uint32_t i = 0; i < 8; ++i)
    BOOST_TEST(got[i].sequence == i);
  bench.send(bench.host_a(), 100, 8);
  bench.emulator().poll();
  BOOST_TEST(bench.emulator().a_to_b().held() == 8u);
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_queue_full == 12u);
}

BOOST_AUTO_TEST_CASE(no_frame_leaks) {
  {
    wan::LinkProfile profile = with_delay(30 * kMillisecond);
    profile.jitter = 2 * kMillisecond;
    profile.loss = 0.1;
    profile.mtu = 500;
    profile.rate = 100'000'000;
    Bench bench(both(profile), 256);
    io::FramePool* pool = &bench.pool();
    const std::size_t count = pool->count();
    // Everything: losses, MTU drops, a full queue, the backlog, both ways.
    bench.send(bench.host_a(), 0, 600, 400);
    bench.send(bench.host_a(), 600, 50, 900);
    bench.send(bench.host_b(), 0, 300, 300);
    bench.run(bench.host_b(), bench.clock().now() + 10 * kMillisecond, kMillisecond);
    BOOST_TEST(bench.emulator().a_to_b().held() > 0u);
    bench.run(bench.host_b(), bench.clock().now() + 100 * kMillisecond, kMillisecond);
    bench.run(bench.host_a(), bench.clock().now(), kMillisecond);
    BOOST_TEST(bench.emulator().a_to_b().held() == 0u);
    BOOST_TEST(pool->available() == count);
    const auto& c = bench.emulator().a_to_b().counters();
    BOOST_TEST(c.dropped_loss > 0u);
    BOOST_TEST(c.dropped_mtu > 0u);
    BOOST_TEST(c.forwarded + c.dropped_loss + c.dropped_mtu + c.dropped_queue_full +
                   c.dropped_backlog ==
               650u);
  }
}

BOOST_AUTO_TEST_CASE(held_frames_return_to_the_pool_with_the_emulator) {
  auto pool = io::FramePool::create(2048, 256);
  BOOST_REQUIRE(pool.ok());
  {
    io::MemoryWire wire_a(**pool), wire_b(**pool);
    base::ManualClock clock;
    base::SeededRandom random(1);
    wan::LinkEmulator emulator(wire_a.b(), wire_b.a(),
                               wan::EmulatorOptions{both(with_delay(base::kSecond)), 128}, clock,
                               random);
    for (int i = 0; i < 50; ++i) {
      io::Packet* p = wire_a.a().allocate();
      p->length = 64;
      std::memset(p->data, 0, 64);
      wire_a.a().transmit(std::span<io::Packet* const>(&p, 1));
    }
    emulator.poll();
    BOOST_TEST(emulator.a_to_b().held() == 50u);
    BOOST_TEST((*pool)->available() == (*pool)->count() - 50);
  }
  BOOST_TEST((*pool)->available() == (*pool)->count());
}
