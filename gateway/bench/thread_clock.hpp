#pragma once
// The calling thread's CPU time: what the benchmark times its rounds with
// (one thread does all of a round's work), so that the time another
// process had the core is not counted (on a shared machine the wall clock
// runs on while the thread waits for its turn).

#include <time.h>

namespace strait::bench {

inline double thread_cpu_ns() noexcept {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

}  // namespace strait::bench
