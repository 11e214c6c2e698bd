#include "base/clock.hpp"

#include <ctime>

namespace strait::base {

Nanoseconds SystemClock::now() const {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<Nanoseconds>(ts.tv_sec) * kSecond + static_cast<Nanoseconds>(ts.tv_nsec);
}

}  // namespace strait::base
