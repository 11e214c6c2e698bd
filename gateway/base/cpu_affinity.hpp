#pragma once
// Pinning the calling thread to one CPU (workers, benchmarks).

#include <pthread.h>
#include <sched.h>

#include <cstring>
#include <string>

#include "base/result.hpp"

namespace strait::base {

inline Status pin_current_thread(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return Error{"CPU " + std::to_string(cpu) + " out of range"};
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int error = pthread_setaffinity_np(pthread_self(), sizeof set, &set); error != 0)
    return Error{"cannot pin a thread to CPU " + std::to_string(cpu) + ": " + std::strerror(error)};
  return Ok{};
}

}  // namespace strait::base
