#pragma once
// The pause / resume / stop handshake between the control thread and one
// service thread (a worker, the key-exchange thread). The service thread
// calls checkpoint() between two rounds (one atomic load unless something
// is asked of it) and nap() when idle; the control thread calls pause(),
// resume() and request_stop(). While parked, everything the service thread
// wrote is visible to the control thread (the hand-over goes through the
// mutex), and nothing changes until resume().

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace strait::daemon {

class ThreadParking {
 public:
  // Before the thread starts: no stop asked, and a pause asked already if
  // `parked` (the thread then parks before its first round).
  void reset(bool parked) noexcept;

  // Control thread. pause(): true once the thread is parked; false if it
  // did not park within `timeout_ms` (the request is then withdrawn).
  bool pause(int timeout_ms);
  void resume();
  // Asks the thread to end; wakes it if parked or napping.
  void request_stop();

  // Service thread, between two rounds: parks while a pause is asked for;
  // false when the thread must end (stopped, possibly while parked: no more
  // rounds then).
  bool checkpoint() {
    if (stop_.load(std::memory_order_relaxed)) return false;
    if (pause_requested_.load(std::memory_order_acquire)) [[unlikely]]
      park();
    return !stop_.load(std::memory_order_relaxed);
  }
  // Service thread: sleeps up to `duration`, waking at once for a pause or
  // a stop.
  void nap(std::chrono::nanoseconds duration);

 private:
  void park();
  bool asked() const noexcept {
    return stop_.load(std::memory_order_relaxed) ||
           pause_requested_.load(std::memory_order_acquire);
  }

  std::atomic<bool> stop_{false};
  std::atomic<bool> pause_requested_{false};
  std::mutex mutex_;
  std::condition_variable changed_;
  bool parked_ = false;  // guarded by mutex_
};

}  // namespace strait::daemon
