#define BOOST_TEST_MODULE io
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "io/pcap_port.hpp"

using namespace strait;
using namespace strait::io;

namespace {
std::unique_ptr<FramePool> make_pool(std::size_t count = 64) {
  auto pool = FramePool::create(2048, count);
  BOOST_REQUIRE(pool.ok());
  return std::move(pool).value();
}

Packet* frame_with(FramePool& pool, std::initializer_list<std::uint8_t> bytes) {
  Packet* p = pool.allocate();
  BOOST_REQUIRE(p != nullptr);
  std::size_t i = 0;
  for (auto b : bytes)
    p->data[i++] = b;
  p->length = static_cast<std::uint32_t>(i);
  return p;
}
}  // namespace

BOOST_AUTO_TEST_CASE(pool_hands_out_each_frame_once) {
  auto pool = make_pool(8);
  BOOST_TEST(pool->available() == 8u);
  std::vector<Packet*> got;
  while (Packet* p = pool->allocate())
    got.push_back(p);
  BOOST_TEST(got.size() == 8u);
  BOOST_TEST(pool->available() == 0u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    BOOST_TEST(got[i]->headroom() == kDefaultHeadroom);
    BOOST_TEST(got[i]->length == 0u);
    for (std::size_t j = i + 1; j < got.size(); ++j)
      BOOST_TEST(got[i] != got[j]);
  }
  BOOST_TEST(got[0]->tailroom() == pool->max_frame_length());
  pool->release_batch(got.data(), got.size());
  BOOST_TEST(pool->available() == 8u);
}

BOOST_AUTO_TEST_CASE(pool_rejects_bad_geometry) {
  BOOST_TEST(!FramePool::create(100, 8).ok());
  BOOST_TEST(!FramePool::create(2048, 0).ok());
  auto rounded = FramePool::create(2048, 5);
  BOOST_REQUIRE(rounded.ok());
  BOOST_TEST((*rounded)->count() == 8u);
}

BOOST_AUTO_TEST_CASE(pool_survives_two_threads) {
  auto pool = make_pool(256);
  constexpr int kRounds = 200000;
  auto churn = [&] {
    for (int i = 0; i < kRounds; ++i) {
      Packet* p = pool->allocate();
      if (p) pool->release(p);
    }
  };
  std::thread t(churn);
  churn();
  t.join();
  BOOST_TEST(pool->available() == 256u);
}

BOOST_AUTO_TEST_CASE(pool_bulk_indices_hand_out_each_frame_once) {
  auto pool = make_pool(16);
  std::uint32_t first[10], second[10];
  BOOST_TEST(pool->take_indices(first, 10) == 10u);
  BOOST_TEST(pool->take_indices(second, 10) == 6u);  // only 6 left
  BOOST_TEST(pool->take_indices(second + 6, 4) == 0u);
  std::vector<bool> seen(16, false);
  for (std::uint32_t i : first)
    seen.at(i) = true;
  for (std::size_t i = 0; i < 6; ++i) {
    BOOST_TEST(!seen.at(second[i]));
    seen.at(second[i]) = true;
  }
  BOOST_TEST(std::count(seen.begin(), seen.end(), true) == 16);
  pool->return_indices(first, 10);
  pool->return_indices(second, 6);
  BOOST_TEST(pool->available() == 16u);
  // What comes back is handed out again, as frames too.
  std::vector<Packet*> all(16);
  BOOST_TEST(pool->allocate_batch(all.data(), 16) == 16u);
  BOOST_TEST(pool->available() == 0u);
  pool->release_batch(all.data(), 16);
  BOOST_TEST(pool->available() == 16u);
}

// Bulk and single operations on two threads at once: no frame is lost or
// handed out twice (each thread marks what it holds).
BOOST_AUTO_TEST_CASE(pool_bulk_and_single_survive_two_threads) {
  auto pool = make_pool(128);
  std::vector<std::atomic<int>> holders(128);
  std::atomic<int> doubles{0};
  auto hold = [&](std::uint32_t i) {
    if (holders[i].fetch_add(1) != 0) doubles.fetch_add(1);
  };
  auto drop = [&](std::uint32_t i) { holders[i].fetch_sub(1); };
  auto bulk = [&] {
    std::uint32_t got[48];
    for (int round = 0; round < 50000; ++round) {
      const std::size_t n = pool->take_indices(got, 1 + round % 48);
      for (std::size_t i = 0; i < n; ++i)
        hold(got[i]);
      for (std::size_t i = 0; i < n; ++i)
        drop(got[i]);
      pool->return_indices(got, n);
    }
  };
  auto single = [&] {
    for (int round = 0; round < 200000; ++round) {
      Packet* p = pool->allocate();
      if (p == nullptr) continue;
      hold(p->index);
      drop(p->index);
      pool->release(p);
    }
  };
  std::thread t(single);
  bulk();
  t.join();
  BOOST_TEST(doubles.load() == 0);
  BOOST_TEST(pool->available() == 128u);
  std::vector<Packet*> all(128);
  BOOST_TEST(pool->allocate_batch(all.data(), 128) == 128u);
}

BOOST_AUTO_TEST_CASE(wire_moves_packets_without_copying_and_counts) {
  auto pool = make_pool();
  MemoryWire wire(*pool, 4);
  Packet* unicast = frame_with(*pool, {0x02, 0, 0, 0, 0, 1, 9, 9});
  Packet* bcast = frame_with(*pool, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1});
  Packet* mcast = frame_with(*pool, {0x33, 0x33, 0, 0, 0, 1});
  Packet* batch[] = {unicast, bcast, mcast};
  wire.a().transmit(batch);
  BOOST_TEST(wire.a().counters().txpackets == 3u);
  BOOST_TEST(wire.a().counters().txbytes == 21u);
  BOOST_TEST(wire.a().counters().txbcast == 1u);
  BOOST_TEST(wire.a().counters().txmcast == 1u);
  Packet* got[8];
  BOOST_TEST(wire.b().receive(got) == 3u);
  BOOST_TEST(got[0] == unicast);  // the same frame, not a copy
  BOOST_TEST(wire.b().counters().rxpackets == 3u);
  BOOST_TEST(wire.b().counters().rxbcast == 1u);
  BOOST_TEST(wire.b().counters().rxmcast == 1u);
  BOOST_TEST(wire.a().receive(got) == 0u);
  for (int i = 0; i < 3; ++i)
    wire.b().release(got[i]);
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(full_ring_drops_and_releases) {
  auto pool = make_pool();
  MemoryWire wire(*pool, 2);
  std::vector<Packet*> batch;
  for (int i = 0; i < 5; ++i)
    batch.push_back(frame_with(*pool, {1, 2, 3}));
  wire.a().transmit(batch);
  BOOST_TEST(wire.a().counters().txpackets == 2u);
  BOOST_TEST(wire.a().counters().txdrop == 3u);
  BOOST_TEST(pool->available() == pool->count() - 2);
}

BOOST_AUTO_TEST_CASE(loopback_returns_to_sender) {
  auto pool = make_pool();
  MemoryLoopback loop(*pool);
  Packet* p = frame_with(*pool, {7});
  Packet* batch[] = {p};
  loop.port().transmit(batch);
  Packet* got[2];
  BOOST_TEST(loop.port().receive(got) == 1u);
  BOOST_TEST(got[0] == p);
  loop.port().release(p);
}

BOOST_AUTO_TEST_CASE(pcap_round_trip) {
  auto pool = make_pool();
  base::ManualClock clock(3 * base::kSecond + 5);
  const std::string path = "io_test_round_trip.pcap";
  {
    auto writer = PcapPort::open(*pool, "", path, clock);
    BOOST_REQUIRE(writer.ok());
    Packet* a = frame_with(*pool, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00});
    Packet* b = frame_with(*pool, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2});
    Packet* batch[] = {a, b};
    (*writer)->transmit(batch);
    BOOST_TEST(pool->available() == pool->count());  // transmitted frames are released
  }
  auto reader = PcapPort::open(*pool, path, "", clock);
  BOOST_REQUIRE(reader.ok());
  Packet* got[4];
  BOOST_TEST((*reader)->receive(got) == 2u);
  BOOST_TEST(got[0]->length == 14u);
  BOOST_TEST(got[0]->data[12] == 0x08);
  BOOST_TEST(got[1]->length == 8u);
  BOOST_TEST((*reader)->input_state() == PcapPort::InputState::kEnded);
  BOOST_TEST((*reader)->input_error().empty());
  BOOST_TEST((*reader)->counters().rxerrors == 0u);
  BOOST_TEST((*reader)->counters().rxbcast == 1u);
  BOOST_TEST((*reader)->receive(got) == 0u);
  for (Packet* p : {got[0], got[1]})
    pool->release(p);
  std::remove(path.c_str());
}

namespace {

// A capture of two frames (14 and 8 bytes) at `path`; returns its size.
std::uintmax_t write_two_frames(FramePool& pool, const std::string& path) {
  base::ManualClock clock(base::kSecond);
  auto writer = PcapPort::open(pool, "", path, clock);
  BOOST_REQUIRE(writer.ok());
  Packet* batch[] = {frame_with(pool, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00}),
                     frame_with(pool, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2})};
  (*writer)->transmit(batch);
  const base::Status closed = (*writer)->close();
  BOOST_REQUIRE_MESSAGE(closed.ok(), (closed.ok() ? std::string() : closed.error().message));
  return std::filesystem::file_size(path);
}

}  // namespace

BOOST_AUTO_TEST_CASE(pcap_read_error_is_not_the_end_of_input) {
  auto pool = make_pool();
  base::ManualClock clock;
  const std::string path = "io_test_truncated.pcap";
  // pcap format: a 24-byte file header, then per frame a 16-byte record
  // header and the frame.
  const std::uintmax_t size = write_two_frames(*pool, path);
  BOOST_REQUIRE(size == 24u + 16 + 14 + 16 + 8);
  const std::uintmax_t first_ends = 24 + 16 + 14;
  struct Cut {
    std::uintmax_t size;
    const char* what;
  };
  // The second frame cut short, its record header cut short: read errors.
  for (const Cut cut : {Cut{size - 3, "frame"}, Cut{first_ends + 5, "record header"}}) {
    BOOST_TEST_CONTEXT("second " << cut.what << " truncated") {
      std::filesystem::resize_file(path, cut.size);
      auto reader = PcapPort::open(*pool, path, "", clock);
      BOOST_REQUIRE(reader.ok());
      BOOST_TEST((*reader)->input_state() == PcapPort::InputState::kReading);
      Packet* got[4];
      BOOST_REQUIRE((*reader)->receive(got) == 1u);  // the first frame still arrives
      BOOST_TEST(got[0]->length == 14u);
      pool->release(got[0]);
      BOOST_TEST((*reader)->input_state() == PcapPort::InputState::kFailed);
      BOOST_TEST(std::string((*reader)->input_error()).find("truncated") != std::string::npos,
                 (*reader)->input_error());
      BOOST_TEST((*reader)->counters().rxerrors == 1u);
      BOOST_TEST((*reader)->receive(got) == 0u);
      BOOST_TEST((*reader)->counters().rxerrors == 1u);  // counted once
    }
  }
  // Cut right after the first frame: a clean end of input.
  std::filesystem::resize_file(path, first_ends);
  auto reader = PcapPort::open(*pool, path, "", clock);
  BOOST_REQUIRE(reader.ok());
  Packet* got[4];
  BOOST_REQUIRE((*reader)->receive(got) == 1u);
  pool->release(got[0]);
  BOOST_TEST((*reader)->input_state() == PcapPort::InputState::kEnded);
  BOOST_TEST((*reader)->counters().rxerrors == 0u);
  std::remove(path.c_str());
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(pcap_failed_write_is_reported_and_counted) {
  // /dev/full: opening succeeds, every write fails with ENOSPC.
  BOOST_REQUIRE(std::filesystem::exists("/dev/full"));
  auto pool = make_pool();
  base::ManualClock clock;
  {
    auto port = PcapPort::open(*pool, "", "/dev/full", clock);
    BOOST_REQUIRE(port.ok());
    Packet* one[] = {frame_with(*pool, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x08, 0x00})};
    (*port)->transmit(one);  // buffered: no failure yet
    BOOST_TEST(!(*port)->output_failed());
    const base::Status flushed = (*port)->flush();
    BOOST_REQUIRE(!flushed.ok());
    BOOST_TEST(flushed.error().message.find("/dev/full") != std::string::npos);
    BOOST_TEST(flushed.error().message.find(std::strerror(ENOSPC)) != std::string::npos,
               flushed.error().message);
    BOOST_TEST((*port)->output_failed());
    BOOST_TEST((*port)->counters().txerrors == 1u);  // the frame is not in the file
    // Later frames are refused and counted, and every call says it failed.
    Packet* two[] = {frame_with(*pool, {1, 2}), frame_with(*pool, {3, 4})};
    (*port)->transmit(two);
    BOOST_TEST((*port)->counters().txdrop == 2u);
    BOOST_TEST((*port)->counters().txerrors == 1u);
    BOOST_TEST(!(*port)->flush().ok());
    BOOST_TEST(!(*port)->close().ok());
    BOOST_TEST(!(*port)->close().ok());
    BOOST_TEST(pool->available() == pool->count());
  }
  {
    // More than the stdio buffer, no flush: transmit() notices the failed
    // write itself. Every frame is counted, as txerrors (written to the
    // buffer that could not be written out) or txdrop (refused after).
    auto port = PcapPort::open(*pool, "", "/dev/full", clock);
    BOOST_REQUIRE(port.ok());
    constexpr std::size_t kFrames = 64;
    for (std::size_t i = 0; i < kFrames; ++i) {
      Packet* p = pool->allocate();
      BOOST_REQUIRE(p != nullptr);
      std::memset(p->data, static_cast<int>(i), 1500);
      p->length = 1500;
      Packet* batch[] = {p};
      (*port)->transmit(batch);
    }
    BOOST_TEST((*port)->output_failed());
    const auto& c = (*port)->counters();
    BOOST_TEST(c.txerrors >= 1u);
    BOOST_TEST(c.txerrors + c.txdrop == kFrames);
    BOOST_TEST(!(*port)->close().ok());
    BOOST_TEST(pool->available() == pool->count());
  }
}

BOOST_AUTO_TEST_CASE(pcap_close_reports_success_and_refuses_later_frames) {
  auto pool = make_pool();
  base::ManualClock clock;
  const std::string path = "io_test_close.pcap";
  auto port = PcapPort::open(*pool, "", path, clock);
  BOOST_REQUIRE(port.ok());
  Packet* one[] = {frame_with(*pool, {1, 2, 3})};
  (*port)->transmit(one);
  BOOST_TEST((*port)->flush().ok());
  BOOST_TEST((*port)->close().ok());
  BOOST_TEST(std::filesystem::file_size(path) == 24u + 16 + 3);
  Packet* late[] = {frame_with(*pool, {4, 5, 6})};
  (*port)->transmit(late);
  BOOST_TEST((*port)->counters().txdrop == 1u);
  BOOST_TEST((*port)->counters().txerrors == 0u);
  BOOST_TEST(std::filesystem::file_size(path) == 24u + 16 + 3);
  BOOST_TEST(pool->available() == pool->count());
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(pcap_errors_name_the_file) {
  auto pool = make_pool();
  base::ManualClock clock;
  auto missing = PcapPort::open(*pool, "/nonexistent/in.pcap", "", clock);
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().message.find("/nonexistent/in.pcap") != std::string::npos);
  auto unwritable = PcapPort::open(*pool, "", "/nonexistent/out.pcap", clock);
  BOOST_REQUIRE(!unwritable.ok());
  BOOST_TEST(unwritable.error().message.find("/nonexistent/out.pcap") != std::string::npos);
}
