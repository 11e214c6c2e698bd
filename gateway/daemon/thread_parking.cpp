#include "daemon/thread_parking.hpp"

namespace strait::daemon {

void ThreadParking::reset(bool parked) noexcept {
  stop_.store(false);
  pause_requested_.store(parked, std::memory_order_release);
}

bool ThreadParking::pause(int timeout_ms) {
  {
    std::lock_guard lock(mutex_);
    pause_requested_.store(true, std::memory_order_release);
  }
  changed_.notify_all();
  std::unique_lock lock(mutex_);
  if (changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [this] { return parked_; }))
    return true;
  lock.unlock();
  resume();
  return false;
}

void ThreadParking::resume() {
  {
    std::lock_guard lock(mutex_);
    pause_requested_.store(false, std::memory_order_release);
  }
  changed_.notify_all();
}

void ThreadParking::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stop_.store(true);
  }
  changed_.notify_all();
}

void ThreadParking::nap(std::chrono::nanoseconds duration) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, duration, [this] { return asked(); });
}

void ThreadParking::park() {
  std::unique_lock lock(mutex_);
  parked_ = true;
  changed_.notify_all();
  changed_.wait(lock, [this] {
    return !pause_requested_.load(std::memory_order_acquire) ||
           stop_.load(std::memory_order_relaxed);
  });
  parked_ = false;
}

}  // namespace strait::daemon
