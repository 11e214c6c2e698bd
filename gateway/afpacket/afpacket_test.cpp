// Lab tests of the AF_PACKET backend: two namespaces joined by a veth pair,
// one AfPacketPort on each end. Needs root.
#define BOOST_TEST_MODULE afpacket
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "afpacket/afpacket_port.hpp"
#include "io/frame_pool.hpp"
#include "testing/netns_pair.hpp"
#include "testing/skip.hpp"

namespace {

using namespace strait;
using afpacket::AfPacketPort;
using afpacket::Options;
using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;

constexpr std::uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr std::uint8_t kMulticast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x42};
constexpr std::uint8_t kUnicast[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0b};
constexpr std::uint8_t kSource[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x0a};

std::unique_ptr<io::FramePool> make_pool(std::size_t frame_size = 2048, std::size_t count = 4096) {
  auto pool = io::FramePool::create(frame_size, count);
  BOOST_REQUIRE(pool.ok());
  return std::move(pool).value();
}

// Opens a port inside `netns`; the socket stays there.
std::unique_ptr<AfPacketPort> open_in(const std::string& netns, io::FramePool& pool,
                                      const Options& options) {
  std::unique_ptr<AfPacketPort> port;
  std::string error;
  testing::NetnsPair::run_in(netns, [&] {
    auto opened = AfPacketPort::open(pool, options);
    if (opened.ok())
      port = std::move(opened).value();
    else
      error = opened.error().message;
  });
  BOOST_REQUIRE_MESSAGE(port != nullptr, "open failed: " << error);
  return port;
}

std::string open_error_in(const std::string& netns, io::FramePool& pool, const Options& options) {
  std::string error = "(opened)";
  testing::NetnsPair::run_in(netns, [&] {
    auto opened = AfPacketPort::open(pool, options);
    if (!opened.ok()) error = opened.error().message;
  });
  return error;
}

// An Ethernet frame of `length` bytes, ethertype 0x88b5 (local experimental),
// carrying `sequence` and a pattern derived from it.
Bytes make_frame(const std::uint8_t (&destination)[6], std::uint32_t sequence, std::size_t length) {
  Bytes frame(length);
  std::memcpy(frame.data(), destination, 6);
  std::memcpy(frame.data() + 6, kSource, 6);
  frame[12] = 0x88;
  frame[13] = 0xb5;
  for (std::size_t i = 0; i < 4; ++i)
    frame[14 + i] = static_cast<std::uint8_t>(sequence >> (24 - 8 * i));
  for (std::size_t i = 18; i < length; ++i)
    frame[i] = static_cast<std::uint8_t>(sequence * 7 + i);
  return frame;
}

std::uint32_t sequence_of(const Bytes& frame) {
  return static_cast<std::uint32_t>(frame[14]) << 24 | static_cast<std::uint32_t>(frame[15]) << 16 |
         static_cast<std::uint32_t>(frame[16]) << 8 | frame[17];
}

void send(AfPacketPort& port, const std::vector<Bytes>& frames) {
  std::vector<io::Packet*> batch;
  for (const Bytes& frame : frames) {
    io::Packet* p = port.allocate();
    BOOST_REQUIRE(p != nullptr);
    BOOST_REQUIRE(frame.size() <= p->tailroom());
    std::memcpy(p->data, frame.data(), frame.size());
    p->length = static_cast<std::uint32_t>(frame.size());
    batch.push_back(p);
  }
  port.transmit(batch);
}

// Receives until `count` frames came or `timeout` passed, then keeps
// listening for `linger` to catch any extra frame.
std::vector<Bytes> receive(AfPacketPort& port, std::size_t count,
                           std::chrono::milliseconds timeout = std::chrono::seconds(5),
                           std::chrono::milliseconds linger = std::chrono::milliseconds(100)) {
  std::vector<Bytes> frames;
  auto deadline = Clock::now() + timeout;
  bool lingering = false;
  io::Packet* batch[64];
  for (;;) {
    if (!lingering && frames.size() >= count) {
      lingering = true;
      deadline = Clock::now() + linger;
    }
    const auto now = Clock::now();
    if (now >= deadline) break;
    pollfd readable{port.fd(), POLLIN, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    poll(&readable, 1, static_cast<int>(left.count()) + 1);
    const std::size_t n = port.receive(batch);
    for (std::size_t i = 0; i < n; ++i) {
      frames.emplace_back(batch[i]->data, batch[i]->data + batch[i]->length);
      port.release(batch[i]);
    }
  }
  return frames;
}

struct Lab {
  Lab() { BOOST_REQUIRE_MESSAGE(geteuid() == 0, "lab tests need root"); }
};

// Skipped (exit 77) without root or the tools the namespaces need.
struct Requirements {
  Requirements() { strait::testing::skip_unless_lab({"ip", "ethtool"}); }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

BOOST_AUTO_TEST_CASE(frames_cross_the_wire_exactly_once_with_counters) {
  Lab lab;
  testing::NetnsPair pair;
  auto pool = make_pool();
  auto a = open_in(pair.a().netns, *pool, {pair.a().ifname, std::nullopt, 256});
  auto b = open_in(pair.b().netns, *pool, {pair.b().ifname, std::nullopt, 256});
  BOOST_TEST(a->ring_frames() == 256u);
  BOOST_TEST(a->max_frame_length() == 1514u);  // veth MTU 1500, below the pool's limit

  pollfd idle{b->fd(), POLLIN, 0};
  BOOST_TEST(poll(&idle, 1, 0) == 0);  // nothing waiting yet

  std::vector<Bytes> sent;
  std::uint64_t bytes = 0;
  for (std::uint32_t i = 0; i < 100; ++i) {
    const auto& destination = i % 10 == 3 ? kBroadcast : i % 10 == 7 ? kMulticast : kUnicast;
    sent.push_back(make_frame(destination, i, 60 + (i * 37) % 1455));
    bytes += sent.back().size();
  }
  send(*a, sent);
  BOOST_TEST(a->counters().txpackets == 100u);
  BOOST_TEST(a->counters().txbytes == bytes);
  BOOST_TEST(a->counters().txbcast == 10u);
  BOOST_TEST(a->counters().txmcast == 10u);
  BOOST_TEST(a->counters().txdrop == 0u);
  BOOST_TEST(a->counters().txerrors == 0u);

  pollfd ready{b->fd(), POLLIN, 0};
  BOOST_TEST(poll(&ready, 1, 2000) == 1);  // the fd wakes a sleeping worker
  const auto received = receive(*b, sent.size());
  BOOST_REQUIRE_EQUAL(received.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i)
    BOOST_TEST(received[i] == sent[i], "frame " << i << " differs");
  BOOST_TEST(b->counters().rxpackets == 100u);
  BOOST_TEST(b->counters().rxbytes == bytes);
  BOOST_TEST(b->counters().rxbcast == 10u);
  BOOST_TEST(b->counters().rxmcast == 10u);
  BOOST_TEST(b->counters().rxdrop == 0u);

  // Our own transmissions do not come back (PACKET_IGNORE_OUTGOING).
  BOOST_TEST(receive(*a, 0).empty());
  BOOST_TEST(a->counters().rxpackets == 0u);

  // And the other way.
  const std::vector<Bytes> back = {make_frame(kSource, 1000, 64), make_frame(kBroadcast, 1001, 80)};
  send(*b, back);
  BOOST_TEST(receive(*a, back.size()) == back);
  BOOST_TEST(pool->available() == pool->count());  // every frame returned
}

BOOST_AUTO_TEST_CASE(a_batch_larger_than_the_tx_ring_sends_what_fits) {
  Lab lab;
  testing::NetnsPair pair;
  auto pool = make_pool();
  auto a = open_in(pair.a().netns, *pool, {pair.a().ifname, std::nullopt, 64});
  auto b = open_in(pair.b().netns, *pool, {pair.b().ifname, std::nullopt, 1024});
  BOOST_REQUIRE_EQUAL(a->ring_frames(), 64u);

  std::vector<Bytes> sent;
  for (std::uint32_t i = 0; i < 200; ++i)
    sent.push_back(make_frame(kUnicast, i, 100));
  send(*a, sent);
  BOOST_TEST(a->counters().txpackets == 64u);
  BOOST_TEST(a->counters().txbytes == 64u * 100u);
  BOOST_TEST(a->counters().txdrop == 136u);

  const auto received = receive(*b, 64);
  BOOST_REQUIRE_EQUAL(received.size(), 64u);
  for (std::size_t i = 0; i < received.size(); ++i)
    BOOST_TEST(received[i] == sent[i]);

  // The ring's slots come back: the next batches go through whole.
  for (std::uint32_t round = 0; round < 3; ++round) {
    std::vector<Bytes> more;
    for (std::uint32_t i = 0; i < 64; ++i)
      more.push_back(make_frame(kUnicast, 1000 + i, 200));
    send(*a, more);
    BOOST_TEST(receive(*b, 64) == more);
  }
  BOOST_TEST(a->counters().txdrop == 136u);
  BOOST_TEST(a->counters().txpackets == 64u * 4);
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(frames_larger_than_a_pool_frame_are_rx_drops) {
  Lab lab;
  testing::NetnsPair pair;
  auto big = make_pool();
  auto small = make_pool(512, 256);  // 512 - 64 descriptor - 128 headroom = 320 bytes
  auto a = open_in(pair.a().netns, *big, {pair.a().ifname, std::nullopt, 128});
  auto b = open_in(pair.b().netns, *small, {pair.b().ifname, std::nullopt, 128});
  BOOST_REQUIRE_EQUAL(b->max_frame_length(), 320u);

  const std::vector<Bytes> sent = {make_frame(kUnicast, 0, 300), make_frame(kUnicast, 1, 321),
                                   make_frame(kUnicast, 2, 320), make_frame(kUnicast, 3, 1500),
                                   make_frame(kUnicast, 4, 60)};
  send(*a, sent);
  BOOST_TEST(a->counters().txpackets == 5u);
  const auto received = receive(*b, 3);
  BOOST_REQUIRE_EQUAL(received.size(), 3u);
  BOOST_TEST(received[0] == sent[0]);
  BOOST_TEST(received[1] == sent[2]);
  BOOST_TEST(received[2] == sent[4]);
  BOOST_TEST(b->counters().rxpackets == 3u);
  BOOST_TEST(b->counters().rxdrop == 2u);
  BOOST_TEST(small->available() == small->count());
}

BOOST_AUTO_TEST_CASE(frames_beyond_the_mtu_are_tx_drops_and_do_not_jam_the_ring) {
  Lab lab;
  testing::NetnsPair pair;
  auto pool = make_pool(4096, 512);
  auto a = open_in(pair.a().netns, *pool, {pair.a().ifname, std::nullopt, 16});
  auto b = open_in(pair.b().netns, *pool, {pair.b().ifname, std::nullopt, 128});
  BOOST_REQUIRE_EQUAL(a->max_frame_length(), 1514u);

  const std::vector<Bytes> sent = {make_frame(kUnicast, 0, 1514), make_frame(kUnicast, 1, 1515),
                                   make_frame(kUnicast, 2, 3000), make_frame(kUnicast, 3, 60)};
  send(*a, sent);
  BOOST_TEST(a->counters().txpackets == 2u);
  BOOST_TEST(a->counters().txbytes == 1514u + 60u);
  BOOST_TEST(a->counters().txdrop == 2u);
  const auto received = receive(*b, 2);
  BOOST_REQUIRE_EQUAL(received.size(), 2u);
  BOOST_TEST(received[0] == sent[0]);
  BOOST_TEST(received[1] == sent[3]);
  BOOST_TEST(a->counters().txerrors == 0u);
}

BOOST_AUTO_TEST_CASE(vlan_tagged_frames_arrive_as_they_were_on_the_wire) {
  Lab lab;
  testing::NetnsPair pair;
  auto pool = make_pool();
  auto a = open_in(pair.a().netns, *pool, {pair.a().ifname, std::nullopt, 64});
  auto b = open_in(pair.b().netns, *pool, {pair.b().ifname, std::nullopt, 64});

  // 802.1Q (VLAN 42, priority 5) and 802.1ad (VLAN 7) tags before 0x88b5;
  // a full-MTU tagged frame (1518 bytes) is allowed too.
  std::vector<Bytes> sent;
  for (const auto& [tpid, tci, length] :
       {std::tuple{0x8100u, 0xa02au, 100u}, std::tuple{0x88a8u, 0x0007u, 200u},
        std::tuple{0x8100u, 0x0001u, 1518u}}) {
    Bytes frame = make_frame(kMulticast, tci, length - 4);
    const std::uint8_t tag[4] = {
        static_cast<std::uint8_t>(tpid >> 8), static_cast<std::uint8_t>(tpid),
        static_cast<std::uint8_t>(tci >> 8), static_cast<std::uint8_t>(tci)};
    frame.insert(frame.begin() + 12, tag, tag + 4);
    sent.push_back(frame);
  }
  send(*a, sent);
  BOOST_TEST(a->counters().txpackets == 3u);
  const auto received = receive(*b, sent.size());
  BOOST_REQUIRE_EQUAL(received.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i)
    BOOST_TEST(received[i] == sent[i], "frame " << i << " differs");
  BOOST_TEST(b->counters().rxmcast == 3u);
}

BOOST_AUTO_TEST_CASE(device_queue_ports_share_the_traffic_without_duplicates) {
  Lab lab;
  testing::NetnsPair pair(2);
  auto pool = make_pool();
  auto a = open_in(pair.a().netns, *pool, {pair.a().ifname, std::nullopt, 512});
  auto b0 = open_in(pair.b().netns, *pool, {pair.b().ifname, 0, 512});
  auto b1 = open_in(pair.b().netns, *pool, {pair.b().ifname, 1, 512});

  std::vector<Bytes> sent;
  for (std::uint32_t i = 0; i < 300; ++i)
    sent.push_back(make_frame(kUnicast, i, 64 + i % 50));
  send(*a, sent);
  BOOST_TEST(a->counters().txpackets == 300u);

  // Each frame reaches exactly one of the two queue ports.
  std::vector<Bytes> received;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (received.size() < sent.size() && Clock::now() < deadline) {
    for (AfPacketPort* port : {b0.get(), b1.get()})
      for (Bytes& frame :
           receive(*port, 0, std::chrono::milliseconds(0), std::chrono::milliseconds(20)))
        received.push_back(std::move(frame));
  }
  for (AfPacketPort* port : {b0.get(), b1.get()})
    for (Bytes& frame : receive(*port, 0))
      received.push_back(std::move(frame));
  BOOST_REQUIRE_EQUAL(received.size(), sent.size());
  std::set<std::uint32_t> sequences;
  for (const Bytes& frame : received) {
    const std::uint32_t s = sequence_of(frame);
    BOOST_REQUIRE(s < sent.size());
    BOOST_TEST(frame == sent[s]);
    sequences.insert(s);
  }
  BOOST_TEST(sequences.size() == sent.size());
  BOOST_TEST(b0->counters().rxpackets + b1->counters().rxpackets == 300u);
  BOOST_TEST_MESSAGE("queue 0 port: " << b0->counters().rxpackets
                                      << " frames, queue 1 port: " << b1->counters().rxpackets);
}

BOOST_AUTO_TEST_CASE(open_errors_name_the_interface_and_the_cause) {
  Lab lab;
  testing::NetnsPair pair;
  auto pool = make_pool(2048, 64);

  const std::string missing = open_error_in(pair.a().netns, *pool, {"nosuch0", std::nullopt, 64});
  BOOST_TEST(missing.find("nosuch0") != std::string::npos, missing);
  BOOST_TEST(missing.find("no such interface") != std::string::npos, missing);
  BOOST_TEST(missing.find("ip link") != std::string::npos, missing);

  // The veth end of one namespace does not exist in the other.
  const std::string elsewhere =
      open_error_in(pair.a().netns, *pool, {pair.b().ifname, std::nullopt, 64});
  BOOST_TEST(elsewhere.find("no such interface") != std::string::npos, elsewhere);

  const std::string empty = open_error_in(pair.a().netns, *pool, {"", std::nullopt, 64});
  BOOST_TEST(empty.find("invalid interface name") != std::string::npos, empty);
  const std::string too_long =
      open_error_in(pair.a().netns, *pool, {"a-much-too-long-name", std::nullopt, 64});
  BOOST_TEST(too_long.find("invalid interface name") != std::string::npos, too_long);
  const std::string no_ring =
      open_error_in(pair.a().netns, *pool, {pair.a().ifname, std::nullopt, 0});
  BOOST_TEST(no_ring.find("ring_frames") != std::string::npos, no_ring);
}

BOOST_AUTO_TEST_CASE(open_without_cap_net_raw_says_what_is_needed) {
  Lab lab;
  testing::NetnsPair pair;
  auto pool = make_pool(2048, 64);
  // A child that gave up root reports through its exit status.
  int channel[2];
  BOOST_REQUIRE(pipe(channel) == 0);
  const pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {
    close(channel[0]);
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) _exit(2);
    auto opened = AfPacketPort::open(*pool, {"lo", std::nullopt, 64});
    const std::string message = opened.ok() ? "(opened)" : opened.error().message;
    const ssize_t written = write(channel[1], message.data(), message.size());
    _exit(written == static_cast<ssize_t>(message.size()) ? 0 : 3);
  }
  close(channel[1]);
  std::string message;
  char buffer[512];
  ssize_t n;
  while ((n = read(channel[0], buffer, sizeof buffer)) > 0)
    message.append(buffer, buffer + n);
  close(channel[0]);
  int status = 0;
  BOOST_REQUIRE(waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  BOOST_TEST(message.find("lo") != std::string::npos, message);
  BOOST_TEST(message.find("CAP_NET_RAW") != std::string::npos, message);
}

BOOST_AUTO_TEST_CASE(destruction_closes_the_socket) {
  Lab lab;
  testing::NetnsPair pair;
  auto pool = make_pool(2048, 64);
  auto port = open_in(pair.a().netns, *pool, {pair.a().ifname, std::nullopt, 64});
  const int fd = port->fd();
  BOOST_TEST(fcntl(fd, F_GETFD) != -1);
  port.reset();
  BOOST_TEST(fcntl(fd, F_GETFD) == -1);
  BOOST_TEST(errno == EBADF);
}

BOOST_AUTO_TEST_CASE(namespaces_are_gone_after_the_pair) {
  Lab lab;
  std::string netns;
  {
    testing::NetnsPair pair;
    netns = pair.a().netns;
    BOOST_TEST(access(("/run/netns/" + netns).c_str(), F_OK) == 0);
  }
  BOOST_TEST(access(("/run/netns/" + netns).c_str(), F_OK) != 0);
  // Also when the body fails.
  try {
    testing::NetnsPair pair;
    netns = pair.b().netns;
    throw std::runtime_error("test body failed");
  } catch (const std::runtime_error&) {
  }
  BOOST_TEST(access(("/run/netns/" + netns).c_str(), F_OK) != 0);
}

}  // namespace
