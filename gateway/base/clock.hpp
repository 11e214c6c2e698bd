#pragma once
// Injectable time source. Gateways never read the system clock directly, so
// the simulator can run them on virtual time.

#include <cstdint>

namespace strait::base {

using Nanoseconds = std::uint64_t;
constexpr Nanoseconds kSecond = 1'000'000'000ull;
constexpr Nanoseconds kMillisecond = 1'000'000ull;
// "No time at all": what a timer that is not armed is due at.
constexpr Nanoseconds kNever = ~Nanoseconds{0};

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time in nanoseconds since an arbitrary origin.
  virtual Nanoseconds now() const = 0;
};

// CLOCK_MONOTONIC.
class SystemClock final : public Clock {
 public:
  Nanoseconds now() const override;
};

// Virtual time that only moves when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Nanoseconds start = 0) : now_(start) {}
  Nanoseconds now() const override { return now_; }
  void advance(Nanoseconds by) { now_ += by; }
  void set(Nanoseconds to) { now_ = to; }

 private:
  Nanoseconds now_;
};

}  // namespace strait::base
