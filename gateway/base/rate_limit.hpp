#pragma once
// Token bucket: holds at most `burst` events' worth of credit and refills
// continuously at `burst` per `period`, so no interval of length `period`
// ever sees more than about `burst` events (a fixed window would allow two
// bursts back to back across its boundary). Used to rate-limit log lines,
// generated ICMP errors and key-exchange messages.

#include <algorithm>
#include <cstdint>

#include "base/clock.hpp"

namespace strait::base {

class RateLimit {
 public:
  RateLimit(std::uint32_t burst, Nanoseconds period)
      : cost_(period / std::max<std::uint32_t>(burst, 1)),
        capacity_(cost_ * std::max<std::uint32_t>(burst, 1)) {}

  // True if an event may happen now (and takes its credit).
  bool allow(Nanoseconds now) noexcept {
    if (!started_) {
      started_ = true;
      credit_ = capacity_;  // full at the first event
    } else if (now > last_) {
      credit_ = std::min(capacity_, credit_ + (now - last_));
    }
    last_ = std::max(last_, now);
    if (credit_ < cost_) {
      ++suppressed_;
      return false;
    }
    credit_ -= cost_;
    return true;
  }
  // The earliest time at which allow() would grant an event (virtual-time
  // drivers wait until then rather than poll).
  Nanoseconds next_allowed() const noexcept {
    if (!started_ || credit_ >= cost_) return last_;
    return last_ + (cost_ - credit_);
  }
  // Events refused since construction.
  std::uint64_t suppressed() const noexcept { return suppressed_; }

 private:
  Nanoseconds cost_;      // credit one event takes
  Nanoseconds capacity_;  // burst * cost
  Nanoseconds credit_ = 0;
  Nanoseconds last_ = 0;
  bool started_ = false;
  std::uint64_t suppressed_ = 0;
};

}  // namespace strait::base
