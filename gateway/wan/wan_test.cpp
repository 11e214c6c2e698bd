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

// The bytes of test frame `sequence`: a station address, the EtherType,
// the sequence number at offset 20, a pattern elsewhere.
std::vector<std::uint8_t> frame_bytes(std::uint32_t sequence, std::uint32_t length,
                                      std::uint16_t ethertype = 0x0800) {
  std::vector<std::uint8_t> bytes(length);
  for (std::uint32_t i = 14; i < length; ++i)
    bytes[i] = static_cast<std::uint8_t>(i * 13 + sequence);
  std::memset(bytes.data(), 0x02, 6);
  bytes[12] = static_cast<std::uint8_t>(ethertype >> 8);
  bytes[13] = static_cast<std::uint8_t>(ethertype);
  if (length >= 24) std::memcpy(bytes.data() + 20, &sequence, sizeof sequence);
  return bytes;
}

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
  base::SeededRandom& random() { return random_; }

  // Sends `count` frames of `length` bytes (Ethernet header included) from
  // `host`, numbered from `first`.
  void send(io::MemoryPort& host, std::uint32_t first, std::size_t count,
            std::uint32_t length = 100, std::uint16_t ethertype = 0x0800) {
    for (std::size_t i = 0; i < count; ++i) {
      io::Packet* p = host.allocate();
      BOOST_REQUIRE(p != nullptr);
      const auto bytes = frame_bytes(first + static_cast<std::uint32_t>(i), length, ethertype);
      std::memcpy(p->data, bytes.data(), bytes.size());
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

  // Polls, then collects the frames `host` received, whole.
  std::vector<std::vector<std::uint8_t>> poll_and_collect_frames(io::MemoryPort& host) {
    while (emulator_.poll() > 0) {
    }
    std::vector<std::vector<std::uint8_t>> got;
    io::Packet* burst[64];
    while (std::size_t n = host.receive(burst)) {
      for (std::size_t i = 0; i < n; ++i) {
        got.emplace_back(burst[i]->data, burst[i]->data + burst[i]->length);
        host.release(burst[i]);
      }
    }
    return got;
  }

  // Moves the clock from departure to departure up to `until`, then to
  // `until`, polling at each: what `host` received, each frame at the very
  // time it left.
  std::vector<Arrival> run_to(io::MemoryPort& host, Nanoseconds until) {
    std::vector<Arrival> got;
    for (;;) {
      auto now = poll_and_collect(host);
      got.insert(got.end(), now.begin(), now.end());
      if (clock_.now() >= until) break;
      clock_.set(std::min(until, emulator_.next_departure()));
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

namespace {

// FNV-1a, 64 bits, over a value's bytes.
template <typename T>
void digest(std::uint64_t& hash, const T& value) {
  unsigned char bytes[sizeof value];
  std::memcpy(bytes, &value, sizeof value);
  for (unsigned char b : bytes)
    hash = (hash ^ b) * 0x100000001b3ull;
}

}  // namespace

// With none of the newer impairments set, every departure, every loss and
// every random draw is what they were before bursty loss, reordering,
// duplication, corruption and partitions existed (the digest was taken then).
BOOST_AUTO_TEST_CASE(without_the_newer_impairments_departures_are_unchanged) {
  wan::LinkProfile a_to_b = with_delay(10 * kMillisecond);
  a_to_b.jitter = 3 * kMillisecond;
  a_to_b.loss = 0.05;
  a_to_b.rate = 100'000'000;
  a_to_b.max_backlog = 2 * kMillisecond;
  a_to_b.mtu = 1000;
  Bench bench({a_to_b, with_delay(5 * kMillisecond)}, 4096, 8192, 99);
  const Nanoseconds start = bench.clock().now();
  std::uint64_t hash = 0xcbf29ce484222325ull;
  std::size_t records = 0;
  const auto collect = [&] {
    for (auto* host : {&bench.host_b(), &bench.host_a()}) {
      for (const Arrival& a : bench.poll_and_collect(*host)) {
        digest(hash, host == &bench.host_b());
        digest(hash, a.sequence);
        digest(hash, a.length);
        digest(hash, a.at - start);
        ++records;
      }
    }
  };
  // Every 300 us, 10 frames from A (some over the MTU) and 3 from B; the
  // clock jumps from departure to departure in between.
  std::uint32_t sequence = 0;
  for (int round = 0; round < 300; ++round) {
    const Nanoseconds send_at = start + static_cast<Nanoseconds>(round) * 300 * kMicrosecond;
    while (bench.emulator().next_departure() < send_at) {
      bench.clock().set(bench.emulator().next_departure());
      collect();
    }
    bench.clock().set(send_at);
    for (int i = 0; i < 10; ++i, ++sequence)
      bench.send(bench.host_a(), sequence, 1, 64 + (sequence * 37) % 1000);
    bench.send(bench.host_b(), sequence, 3);
    sequence += 3;
    collect();
  }
  while (bench.emulator().next_departure() != base::kNever) {
    bench.clock().set(bench.emulator().next_departure());
    collect();
  }
  const auto& c = bench.emulator().a_to_b().counters();
  for (std::uint64_t v : {c.forwarded, c.bytes, c.dropped_loss, c.dropped_mtu, c.dropped_queue_full,
                          c.dropped_backlog})
    digest(hash, v);
  std::uint8_t next[8];
  bench.random().fill(next);
  digest(hash, next);
  BOOST_TEST_MESSAGE("records " << records << ", digest " << hash);
  BOOST_TEST(c.dropped_loss > 0u);
  BOOST_TEST(c.dropped_mtu > 0u);
  BOOST_TEST(c.dropped_backlog > 0u);
  BOOST_TEST(records == 3137u);
  BOOST_TEST(hash == 8013322495006651547ull);
}

BOOST_AUTO_TEST_CASE(describe_prints_only_the_impairments_set) {
  BOOST_TEST(wan::describe(*wan::named_profile("paris-tokyo")) ==
             "delay 110 ms, jitter 1 ms, loss 0 %, rate 10000 Mbit/s, backlog 100 ms, mtu 1500");
  BOOST_TEST(wan::describe(*wan::named_profile("lossy")) ==
             "delay 20 ms, jitter 0 ms, loss 2 %, rate unlimited, mtu 1500");
  wan::LinkProfile profile = *wan::named_profile("lan");
  profile.burst_enter = 0.01;
  profile.burst_leave = 0.2;
  profile.reorder = 0.02;
  profile.reorder_delay = 5 * kMillisecond;
  profile.duplicate = 0.01;
  profile.corrupt = 0.001;
  BOOST_TEST(wan::describe(profile) ==
             "delay 0 ms, jitter 0 ms, loss 0 %, rate unlimited, mtu 1500, burst enter 1 % leave "
             "20 % loss 100 %, reorder 2 % by 5 ms, duplicate 1 %, corrupt 0.1 %");
}

BOOST_AUTO_TEST_CASE(reorder_all_delays_every_frame_and_keeps_their_order) {
  wan::LinkProfile profile = with_delay(10 * kMillisecond);
  profile.reorder = 1.0;
  profile.reorder_delay = 5 * kMillisecond;
  Bench bench(both(profile));
  const Nanoseconds start = bench.clock().now();
  bench.send(bench.host_a(), 0, 20);
  const auto got = bench.run_to(bench.host_b(), start + 20 * kMillisecond);
  BOOST_REQUIRE(got.size() == 20u);
  for (std::uint32_t i = 0; i < 20; ++i) {
    BOOST_TEST(got[i].sequence == i);
    BOOST_TEST(got[i].at == start + 15 * kMillisecond);
  }
  BOOST_TEST(bench.emulator().a_to_b().counters().reordered == 20u);
  BOOST_TEST(bench.emulator().b_to_a().counters().reordered == 0u);
}

BOOST_AUTO_TEST_CASE(reordered_frames_are_overtaken_by_those_behind) {
  // One frame every millisecond, 10 ms on the wire; a quarter of them held
  // 2.5 ms more: the two frames behind a held one overtake it, the third
  // leaves after it.
  wan::LinkProfile profile = with_delay(10 * kMillisecond);
  profile.reorder = 0.25;
  profile.reorder_delay = 2500 * kMicrosecond;
  Bench bench(both(profile), 4096, 8192, 5);
  const Nanoseconds start = bench.clock().now();
  constexpr std::uint32_t kFrames = 400;
  std::vector<Arrival> got;
  for (std::uint32_t i = 0; i < kFrames; ++i) {
    auto now = bench.run_to(bench.host_b(), start + i * kMillisecond);
    got.insert(got.end(), now.begin(), now.end());
    bench.send(bench.host_a(), i, 1);
  }
  auto rest = bench.run_to(bench.host_b(), start + (kFrames + 20) * kMillisecond);
  got.insert(got.end(), rest.begin(), rest.end());
  BOOST_REQUIRE(got.size() == kFrames);

  // Each frame left either on time or exactly reorder_delay late.
  std::vector<Nanoseconds> departure(kFrames, 0);
  std::uint32_t late = 0;
  for (const Arrival& a : got) {
    BOOST_REQUIRE(a.sequence < kFrames);
    const Nanoseconds on_time = start + a.sequence * kMillisecond + 10 * kMillisecond;
    BOOST_TEST_REQUIRE((a.at == on_time || a.at == on_time + profile.reorder_delay));
    departure[a.sequence] = a.at;
    late += a.at != on_time;
  }
  BOOST_TEST(late == bench.emulator().a_to_b().counters().reordered);
  BOOST_TEST(late > 60u);  // 100 expected
  BOOST_TEST(late < 140u);
  // The order is exactly by departure, then by arrival.
  std::vector<std::uint32_t> expected(kFrames);
  for (std::uint32_t i = 0; i < kFrames; ++i)
    expected[i] = i;
  std::stable_sort(expected.begin(), expected.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return departure[x] < departure[y]; });
  std::vector<std::uint32_t> order;
  for (const Arrival& a : got)
    order.push_back(a.sequence);
  BOOST_TEST(order == expected, boost::test_tools::per_element());
  // And that order has overtakings: a late frame i after i + 1 and i + 2
  // (when those were on time), before i + 3.
  std::size_t overtaken = 0;
  std::vector<std::size_t> position(kFrames);
  for (std::size_t k = 0; k < order.size(); ++k)
    position[order[k]] = k;
  for (std::uint32_t i = 0; i + 3 < kFrames; ++i) {
    const Nanoseconds on_time = start + i * kMillisecond + 10 * kMillisecond;
    if (departure[i] == on_time) continue;
    ++overtaken;
    for (std::uint32_t behind = i + 1; behind <= i + 2; ++behind)
      if (departure[behind] == on_time + (behind - i) * kMillisecond)
        BOOST_TEST(position[behind] < position[i]);
    BOOST_TEST(position[i + 3] > position[i]);
  }
  BOOST_TEST(overtaken > 0u);
}

BOOST_AUTO_TEST_CASE(duplicate_all_sends_every_frame_twice) {
  wan::LinkProfile profile = with_delay(1 * kMillisecond);
  profile.duplicate = 1.0;
  Bench bench(both(profile));
  const Nanoseconds start = bench.clock().now();
  bench.send(bench.host_a(), 0, 100, 300);
  bench.emulator().poll();
  BOOST_TEST(bench.emulator().a_to_b().held() == 200u);
  bench.clock().set(start + 1 * kMillisecond);
  const auto got = bench.poll_and_collect_frames(bench.host_b());
  BOOST_REQUIRE(got.size() == 200u);
  for (std::uint32_t i = 0; i < 100; ++i) {
    // Each copy right after its original, both the bytes sent.
    BOOST_TEST((got[2 * i] == frame_bytes(i, 300)));
    BOOST_TEST((got[2 * i + 1] == frame_bytes(i, 300)));
  }
  const auto& c = bench.emulator().a_to_b().counters();
  BOOST_TEST(c.duplicated == 100u);
  BOOST_TEST(c.duplicates_skipped == 0u);
  BOOST_TEST(c.forwarded == 200u);
  BOOST_TEST(c.bytes == 200u * 300u);
  BOOST_TEST(bench.emulator().a_to_b().held() == 0u);
  BOOST_TEST(bench.pool().available() == bench.pool().count());
}

BOOST_AUTO_TEST_CASE(duplicates_without_a_free_frame_or_a_place_are_skipped) {
  wan::LinkProfile profile = with_delay(1 * kMillisecond);
  profile.duplicate = 1.0;
  {
    // 64 pool frames: 40 originals, then copies until the pool is empty.
    Bench bench(both(profile), 4096, 64);
    bench.send(bench.host_a(), 0, 40);
    bench.emulator().poll();
    const auto& c = bench.emulator().a_to_b().counters();
    BOOST_TEST(c.duplicated == 24u);
    BOOST_TEST(c.duplicates_skipped == 16u);
    BOOST_TEST(bench.pool().available() == 0u);
    bench.clock().advance(1 * kMillisecond);
    const auto got = bench.poll_and_collect(bench.host_b());
    BOOST_REQUIRE(got.size() == 64u);
    for (std::uint32_t i = 0; i < 24; ++i) {
      BOOST_TEST(got[2 * i].sequence == i);
      BOOST_TEST(got[2 * i + 1].sequence == i);
    }
    for (std::uint32_t i = 24; i < 40; ++i)
      BOOST_TEST(got[24 + i].sequence == i);
    BOOST_TEST(bench.pool().available() == bench.pool().count());
  }
  {
    // 9 places: 4 frames and their copies, a 5th frame without its copy,
    // no room for the rest.
    Bench bench(both(profile), 9);
    bench.send(bench.host_a(), 0, 8);
    bench.emulator().poll();
    const auto& c = bench.emulator().a_to_b().counters();
    BOOST_TEST(bench.emulator().a_to_b().held() == 9u);
    BOOST_TEST(c.duplicated == 4u);
    BOOST_TEST(c.duplicates_skipped == 1u);
    BOOST_TEST(c.dropped_queue_full == 3u);
  }
}

BOOST_AUTO_TEST_CASE(corrupt_all_flips_exactly_one_byte_past_the_ethernet_header) {
  wan::LinkProfile profile;
  profile.corrupt = 1.0;
  Bench bench(both(profile), 4096, 8192, 3);
  constexpr std::uint32_t kFrames = 2000;
  std::size_t lowest = ~std::size_t{0};
  std::size_t highest = 0;
  std::vector<std::size_t> per_position(64, 0);
  for (std::uint32_t sent = 0; sent < kFrames; sent += 500) {
    bench.send(bench.host_a(), sent, 500, 64);
    const auto got = bench.poll_and_collect_frames(bench.host_b());
    BOOST_REQUIRE(got.size() == 500u);
    for (std::uint32_t i = 0; i < 500; ++i) {
      const auto expected = frame_bytes(sent + i, 64);
      BOOST_REQUIRE(got[i].size() == 64u);
      std::size_t differing = 0;
      for (std::size_t k = 0; k < 64; ++k) {
        if (got[i][k] == expected[k]) continue;
        ++differing;
        BOOST_TEST(k >= 14u);
        lowest = std::min(lowest, k);
        highest = std::max(highest, k);
        ++per_position[k];
      }
      BOOST_TEST(differing == 1u);
    }
  }
  BOOST_TEST(bench.emulator().a_to_b().counters().corrupted == kFrames);
  // Uniform over the 50 bytes past the header: every one hit, none often.
  BOOST_TEST(lowest == 14u);
  BOOST_TEST(highest == 63u);
  for (std::size_t k = 14; k < 64; ++k) {
    BOOST_TEST(per_position[k] > 15u);  // 40 expected
    BOOST_TEST(per_position[k] < 70u);
  }
  // A frame that is only an Ethernet header is delivered unchanged.
  bench.send(bench.host_a(), 0, 1, 14);
  const auto header_only = bench.poll_and_collect_frames(bench.host_b());
  BOOST_REQUIRE(header_only.size() == 1u);
  BOOST_TEST((header_only[0] == frame_bytes(0, 14)));
  BOOST_TEST(bench.emulator().a_to_b().counters().corrupted == kFrames);
}

BOOST_AUTO_TEST_CASE(burst_that_never_ends_drops_everything_after_the_first_frame) {
  wan::LinkProfile profile;
  profile.burst_enter = 1.0;
  profile.burst_leave = 0;
  profile.burst_loss = 1.0;
  Bench bench(both(profile));
  bench.send(bench.host_a(), 0, 1000);
  const auto got = bench.poll_and_collect(bench.host_b());
  BOOST_REQUIRE(got.size() == 1u);
  BOOST_TEST(got[0].sequence == 0u);
  const auto& c = bench.emulator().a_to_b().counters();
  BOOST_TEST(c.dropped_burst == 999u);
  BOOST_TEST(c.dropped_loss == 0u);
  BOOST_TEST(bench.pool().available() == bench.pool().count());
}

BOOST_AUTO_TEST_CASE(bursty_loss_rate_and_bursts_match_the_gilbert_elliott_model) {
  // Good -> bad 1 %, bad -> good 20 %, loss 1 % while good, 80 % while bad.
  // Stationary share of bad frames: 0.01 / 0.21 = 4.76 %; loss rate:
  // 95.24 % * 1 % + 4.76 % * 80 % = 4.76 %: 4762 of 100,000 frames. Losses
  // come in bursts (about 950 of them, 4 losses each on average), so the
  // count's standard deviation is about 160, not the 67 of independent
  // losses: +- 15 % (714) is over 4 of them.
  wan::LinkProfile profile;
  profile.loss = 0.01;
  profile.burst_enter = 0.01;
  profile.burst_leave = 0.2;
  profile.burst_loss = 0.8;
  Bench bench(both(profile), 4096, 8192, 11);
  constexpr std::uint32_t kFrames = 100'000;
  std::vector<bool> delivered(kFrames, false);
  for (std::uint32_t sent = 0; sent < kFrames; sent += 1000) {
    bench.send(bench.host_a(), sent, 1000);
    for (const Arrival& a : bench.poll_and_collect(bench.host_b()))
      delivered.at(a.sequence) = true;
  }
  const auto& c = bench.emulator().a_to_b().counters();
  const std::uint64_t lost = c.dropped_loss + c.dropped_burst;
  BOOST_TEST(c.forwarded + lost == kFrames);
  const double expected = kFrames * (0.01 / 0.21 * 0.8 + 0.2 / 0.21 * 0.01);
  BOOST_TEST_MESSAGE("lost " << lost << " (burst " << c.dropped_burst << "), expected "
                             << expected);
  BOOST_TEST(static_cast<double>(lost) > expected * 0.85);
  BOOST_TEST(static_cast<double>(lost) < expected * 1.15);
  // Independent losses in the good state: about 952; bad-state ones about 3810.
  BOOST_TEST(c.dropped_loss > 700u);
  BOOST_TEST(c.dropped_loss < 1200u);
  BOOST_TEST(c.dropped_burst > 3000u);
  // Bursts: a loss is followed by another about half the time (0.8 * 0.8
  // * P(bad | lost) = 0.8), ten times the loss rate.
  std::size_t lost_then_lost = 0;
  std::size_t lost_total = 0;
  for (std::uint32_t i = 0; i + 1 < kFrames; ++i) {
    if (delivered[i]) continue;
    ++lost_total;
    lost_then_lost += !delivered[i + 1];
  }
  const double after_loss = static_cast<double>(lost_then_lost) / static_cast<double>(lost_total);
  BOOST_TEST_MESSAGE("P(lost | previous lost) " << after_loss);
  BOOST_TEST(after_loss > 0.4);
  BOOST_TEST(after_loss < 0.65);
}

BOOST_AUTO_TEST_CASE(down_drops_held_and_arriving_frames_until_up) {
  wan::LinkProfile profile = with_delay(10 * kMillisecond);
  Bench bench(both(profile));
  const Nanoseconds start = bench.clock().now();
  bench.send(bench.host_a(), 0, 5);
  bench.send(bench.host_b(), 100, 2);
  bench.emulator().poll();
  BOOST_TEST(bench.emulator().a_to_b().held() == 5u);

  bench.emulator().a_to_b().set_down(true);
  BOOST_TEST(bench.emulator().a_to_b().down());
  BOOST_TEST(bench.emulator().a_to_b().held() == 0u);
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_down == 5u);
  BOOST_TEST(bench.emulator().next_departure() == start + 10 * kMillisecond);  // b to a's
  bench.send(bench.host_a(), 5, 3);
  const auto while_down = bench.run_to(bench.host_b(), start + 30 * kMillisecond);
  BOOST_TEST(while_down.empty());
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_down == 8u);
  BOOST_TEST(bench.emulator().a_to_b().counters().forwarded == 0u);
  // The other direction was not partitioned.
  BOOST_TEST(bench.poll_and_collect(bench.host_a()).size() == 2u);
  BOOST_TEST(bench.emulator().b_to_a().counters().dropped_down == 0u);
  BOOST_TEST(bench.pool().available() == bench.pool().count());

  bench.emulator().a_to_b().set_down(false);
  const Nanoseconds up = bench.clock().now();
  bench.send(bench.host_a(), 8, 2);
  const auto after = bench.run_to(bench.host_b(), up + 20 * kMillisecond);
  BOOST_REQUIRE(after.size() == 2u);
  BOOST_TEST(after[0].sequence == 8u);
  BOOST_TEST(after[0].at == up + 10 * kMillisecond);
  BOOST_TEST(bench.emulator().a_to_b().counters().dropped_down == 8u);
}

BOOST_AUTO_TEST_CASE(frames_dropped_while_down_take_no_random_draw) {
  const auto delivered = [](bool partition_first) {
    wan::LinkProfile profile;
    profile.loss = 0.3;
    profile.burst_enter = 0.05;
    profile.burst_leave = 0.3;
    Bench bench(both(profile), 4096, 8192, 21);
    if (partition_first) {
      bench.emulator().a_to_b().set_down(true);
      bench.send(bench.host_a(), 5000, 200);
      bench.emulator().poll();
      bench.emulator().a_to_b().set_down(false);
    }
    bench.send(bench.host_a(), 0, 1000);
    std::vector<std::uint32_t> got;
    for (const Arrival& a : bench.poll_and_collect(bench.host_b()))
      got.push_back(a.sequence);
    return got;
  };
  const auto plain = delivered(false);
  BOOST_TEST(plain.size() < 1000u);
  BOOST_TEST(delivered(true) == plain);
}

BOOST_AUTO_TEST_CASE(every_impairment_at_once_leaks_no_frame) {
  wan::LinkProfile profile = with_delay(20 * kMillisecond);
  profile.jitter = 3 * kMillisecond;
  profile.loss = 0.02;
  profile.burst_enter = 0.02;
  profile.burst_leave = 0.25;
  profile.burst_loss = 0.7;
  profile.reorder = 0.1;
  profile.reorder_delay = 4 * kMillisecond;
  profile.duplicate = 0.1;
  profile.corrupt = 0.1;
  profile.rate = 200'000'000;
  profile.mtu = 1000;
  Bench bench(both(profile), 512, 4096, 17);
  std::uint64_t received = 0;
  std::uint32_t sent = 0;
  for (int round = 0; round < 100; ++round) {
    bench.send(bench.host_a(), sent, 40, 64 + (sent * 53) % 1200);
    sent += 40;
    bench.send(bench.host_b(), sent, 10, 200);
    sent += 10;
    if (round == 60) bench.emulator().a_to_b().set_down(true);
    if (round == 70) bench.emulator().a_to_b().set_down(false);
    received += bench.run_to(bench.host_b(), bench.clock().now() + 500 * kMicrosecond).size();
  }
  received += bench.run_to(bench.host_b(), bench.clock().now() + 100 * kMillisecond).size();
  bench.run_to(bench.host_a(), bench.clock().now());
  BOOST_TEST(bench.emulator().next_departure() == base::kNever);
  BOOST_TEST(bench.pool().available() == bench.pool().count());
  const auto& c = bench.emulator().a_to_b().counters();
  BOOST_TEST(c.forwarded == received);
  BOOST_TEST(c.dropped_down > 0u);
  BOOST_TEST(c.duplicated > 0u);
  BOOST_TEST(c.reordered > 0u);
  BOOST_TEST(c.corrupted > 0u);
  BOOST_TEST(c.dropped_burst > 0u);
  BOOST_TEST(c.forwarded + c.dropped_loss + c.dropped_burst + c.dropped_mtu + c.dropped_queue_full +
                 c.dropped_backlog + c.dropped_down ==
             4000u + c.duplicated);
}
