#pragma once
// The benchmark's hosts on the private network: the source sends packets
// of the plan (plan.hpp) into the gateway's private port, the sink checks
// each one that comes out, byte for byte, against what was sent: its
// length, Ethernet addresses (gateway to host), IP header (lengths, the
// identification, TTL 64 - 2, protocol, checksum, source, and the
// destination of the route the plan put it on), UDP header, and payload
// (its serial number, then a fixed pattern). Packets come out in the
// order they went in (one queue, first in first out), so the sink knows
// which packet to expect next: a lost packet shows as the next one
// arriving in its place. The first difference ends the run (failure()).
// A checked packet is sent again as the next packet of the plan
// (reflected: a few header writes, no copy), so a round keeps a fixed
// number of packets in flight.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/bench_port.hpp"
#include "bench/plan.hpp"
#include "io/frame_pool.hpp"

namespace strait::bench {

class Traffic {
 public:
  // Bytes from the frame's start that the header templates cover: the
  // Ethernet, IP and UDP headers and the 8-byte serial number.
  static constexpr std::size_t kHeadBytes = 50;

  Traffic(io::FramePool& pool, BenchPort& host, const Addresses& addresses, const TrafficPlan& plan,
          std::size_t in_flight);

  // Starts a round of `packets` more packets: sends the first ones (up to
  // the packets in flight). False if the pool had no frames for them.
  bool start(std::uint64_t packets) noexcept;
  // Receives what the gateway sent, checks it, reflects it while the round
  // has packets left to send. Returns the number received.
  std::size_t step() noexcept;
  bool round_done() const noexcept { return rx_.serial == round_end_; }
  bool failed() const noexcept { return !failure_.empty(); }
  const std::string& failure() const noexcept { return failure_; }

  std::uint64_t sent() const noexcept { return tx_.serial; }
  std::uint64_t received() const noexcept { return rx_.serial; }  // checked
  std::uint64_t bytes() const noexcept { return bytes_; }         // frame bytes received
  std::size_t in_flight() const noexcept { return in_flight_; }

 private:
  // The first kHeadBytes of a packet as six little-endian words and a
  // 2-byte tail: built and compared in registers (a head built in memory
  // and read back at once stalls on store forwarding).
  struct Head {
    std::uint64_t w0, w1, w2, w3, w4, w5;  // bytes 0-47 (named, so they stay in registers)
    std::uint16_t tail;                    // bytes 48-49
  };
  // Packet `c` as the gateway receives it (to it from the host, TTL 64)
  // or must deliver it (to the host, TTL 62).
  Head head(const PlanCursor& c, bool delivered) const noexcept;
  static void store(std::uint8_t* out, const Head& h, std::size_t length) noexcept;
  void write_new(io::Packet* p) noexcept;  // packet tx_, the whole frame
  bool check(const io::Packet* p) noexcept;
  void describe(const io::Packet* p, const Head& expected) noexcept;

  io::FramePool& pool_;
  BenchPort& host_;
  const TrafficPlan& plan_;
  std::size_t in_flight_;
  // Per size: the heads with identification, destination, checksum and
  // serial zero, and the one's-complement sums of their IP headers (of
  // 16-bit words in memory byte order, RFC 1071 2.B).
  std::vector<Head> heads_[2];  // [delivered]
  std::vector<std::uint32_t> sums_[2];
  PlanCursor tx_;  // the next packet to send
  PlanCursor rx_;  // the next packet to come out
  std::uint64_t round_end_ = 0;
  std::uint64_t bytes_ = 0;
  std::string failure_;
};

}  // namespace strait::bench
