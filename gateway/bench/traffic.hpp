#pragma once
// The benchmark's traffic source and sink, standing in for the hosts on the
// private network: it primes the gateway's private input with a fixed
// number of packets, then reflects every packet that comes out verified
// back in (restoring its addresses, TTL and checksum), so feeding the
// gateway costs a few header writes per packet and no copies.

#include <cstdint>
#include <vector>

#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"

namespace strait::bench {

struct Addresses {
  std::uint8_t gateway_mac[6];
  std::uint8_t host_mac[6];
  std::uint8_t host_ip[4];
};

// Route r's /24 is 20.0.0.0 + r * 256; packets go to its .1.
void route_destination(std::uint32_t route, std::uint8_t out[4]) noexcept;

class Traffic {
 public:
  static constexpr std::size_t kInFlight = 512;

  Traffic(io::FramePool& pool, io::MemoryPort& host, const Addresses& addresses,
          std::vector<std::uint32_t> frame_sizes, std::uint32_t routes, std::uint64_t packets);

  // Sends the first packets (up to kInFlight).
  void prime() noexcept;
  // Receives and verifies what the gateway sent, reflects it back while
  // packets remain to be sent. Returns the number received this step.
  std::size_t step() noexcept;
  bool finished() const noexcept { return received_ >= packets_; }

  std::uint64_t sent() const noexcept { return sent_; }
  std::uint64_t received() const noexcept { return received_; }
  std::uint64_t corrupted() const noexcept { return corrupted_; }
  std::uint64_t bytes() const noexcept { return bytes_; }

 private:
  void write_frame(io::Packet* p, std::uint32_t frame_size) noexcept;
  void address(io::Packet* p) noexcept;

  io::FramePool& pool_;
  io::MemoryPort& host_;
  Addresses addresses_;
  std::vector<std::uint32_t> frame_sizes_;
  std::uint32_t routes_;
  std::uint64_t packets_;
  std::uint32_t next_route_ = 0;
  std::size_t next_size_ = 0;
  std::uint64_t sent_ = 0;
  std::uint64_t received_ = 0;
  std::uint64_t corrupted_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace strait::bench
