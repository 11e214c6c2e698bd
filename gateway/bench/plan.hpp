#pragma once
// What the benchmark sends, packet by packet: packet `serial` of a queue
// (counted from 0 over the whole run) has frame size sizes[serial % n] and
// goes over the queue's route serial % routes, so the host, the check on
// the public wire and the crypto-only loop all know what each packet must
// be without keeping a record of it. Each queue has its share of the
// routes: global routes first, first + stride, ... (queue q of N: q, q +
// N, ...). Route g's traffic goes to 20.0.0.0 + g * 256 + 1, through its
// own SA pair (SPI 256 + g, a key and salt of its own).

#include <cstdint>
#include <vector>

#include "net/headers.hpp"

namespace strait::bench {

// Route g's /24 is 20.0.0.0 + g * 256; packets go to its .1.
inline void route_destination(std::uint32_t route, std::uint8_t out[4]) noexcept {
  out[0] = static_cast<std::uint8_t>(20 + (route >> 16));
  out[1] = static_cast<std::uint8_t>(route >> 8);
  out[2] = static_cast<std::uint8_t>(route);
  out[3] = 1;
}
constexpr std::uint32_t kFirstSpi = 256;  // route g's static SA pair: SPI 256 + g

struct Addresses {
  std::uint8_t gateway_mac[6];  // private side
  std::uint8_t host_mac[6];
  std::uint8_t host_ip[4];
  std::uint8_t public_mac[6];  // public side, looped back to itself
  std::uint8_t public_ip[4];
};

class TrafficPlan {
 public:
  TrafficPlan(std::vector<std::uint32_t> frame_sizes, std::uint32_t first_route,
              std::uint32_t route_stride, std::uint32_t route_count)
      : sizes_(std::move(frame_sizes)),
        first_(first_route),
        stride_(route_stride),
        count_(route_count) {}

  std::size_t size_count() const noexcept { return sizes_.size(); }
  std::uint32_t size(std::size_t index) const noexcept { return sizes_[index]; }
  const std::vector<std::uint32_t>& sizes() const noexcept { return sizes_; }
  std::uint32_t route_count() const noexcept { return count_; }
  // The global route number of the queue's route k.
  std::uint32_t route(std::uint32_t k) const noexcept { return first_ + k * stride_; }
  // Packets the first n serials put on the queue's route k.
  std::uint64_t packets_on(std::uint32_t k, std::uint64_t n) const noexcept {
    return n / count_ + (k < n % count_ ? 1 : 0);
  }

 private:
  std::vector<std::uint32_t> sizes_;
  std::uint32_t first_;
  std::uint32_t stride_;
  std::uint32_t count_;
};

// Walks the plan one packet at a time without divisions: the serial, its
// size index, its route (k) and how many times the routes went round
// before it (so its ESP sequence number on a static SA is lap + 1).
struct PlanCursor {
  std::uint64_t serial = 0;
  std::uint32_t size_index = 0;
  std::uint32_t route_index = 0;
  std::uint64_t lap = 0;

  void advance(const TrafficPlan& plan) noexcept {
    ++serial;
    if (++size_index == plan.size_count()) size_index = 0;
    if (++route_index == plan.route_count()) {
      route_index = 0;
      ++lap;
    }
  }
};

}  // namespace strait::bench
