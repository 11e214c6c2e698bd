#pragma once
// A next hop's MAC address as learned by any worker of one interface. The
// private interface is served by several workers (one per device queue),
// but an ARP / ND reply arrives on one queue only: through this cell every
// worker's NextHop learns what one of them heard, and a reply that reaches
// one worker answers the solicitation another sent. Lock-free: one 64-bit
// atomic holding the six MAC bytes and a valid bit, one holding the time
// of the last solicitation.

#include <atomic>
#include <cstdint>
#include <optional>

#include "base/clock.hpp"
#include "net/address.hpp"

namespace strait::nexthop {

class SharedNeighbor {
 public:
  void publish(const net::Mac& mac) noexcept {
    std::uint64_t v = kValid;
    for (std::size_t i = 0; i < 6; ++i)
      v |= std::uint64_t{mac.bytes[i]} << (8 * i);
    value_.store(v, std::memory_order_release);
  }

  void clear() noexcept {
    value_.store(0, std::memory_order_release);
    solicited_at_.store(base::kNever, std::memory_order_relaxed);
  }

  // When a worker of the interface last solicited the next hop
  // (base::kNever: none since the last clear()).
  void note_solicitation(base::Nanoseconds at) noexcept {
    solicited_at_.store(at, std::memory_order_relaxed);
  }
  base::Nanoseconds solicited_at() const noexcept {
    return solicited_at_.load(std::memory_order_relaxed);
  }

  std::optional<net::Mac> read() const noexcept {
    const std::uint64_t v = value_.load(std::memory_order_acquire);
    if ((v & kValid) == 0) return std::nullopt;
    net::Mac mac;
    for (std::size_t i = 0; i < 6; ++i)
      mac.bytes[i] = static_cast<std::uint8_t>(v >> (8 * i));
    return mac;
  }

 private:
  static constexpr std::uint64_t kValid = std::uint64_t{1} << 63;
  std::atomic<std::uint64_t> value_{0};
  std::atomic<base::Nanoseconds> solicited_at_{base::kNever};
};

}  // namespace strait::nexthop
