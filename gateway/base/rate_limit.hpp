#pragma once
// Token bucket: at most `burst` events, refilled at burst per `period`. Used
// to rate-limit log lines and generated ICMP errors.

#include <cstdint>

#include "base/clock.hpp"

namespace strait::base {

class RateLimit {
 public:
  RateLimit(std::uint32_t burst, Nanoseconds period) : burst_(burst), period_(period) {}

  // True if an event may happen now (and takes a token).
  bool allow(Nanoseconds now) noexcept {
    if (now - last_refill_ >= period_ || tokens_ == kUnset) {
      tokens_ = burst_;
      last_refill_ = now;
    }
    if (tokens_ == 0) {
      ++suppressed_;
      return false;
    }
    --tokens_;
    return true;
  }
  // Events refused since construction.
  std::uint64_t suppressed() const noexcept { return suppressed_; }

 private:
  static constexpr std::uint32_t kUnset = ~0u;
  std::uint32_t burst_;
  Nanoseconds period_;
  std::uint32_t tokens_ = kUnset;
  Nanoseconds last_refill_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace strait::base
