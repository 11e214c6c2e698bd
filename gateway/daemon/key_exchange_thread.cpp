#include "daemon/key_exchange_thread.hpp"

#include <chrono>
#include <future>

#include "base/cpu_affinity.hpp"

namespace strait::daemon {

namespace {

constexpr auto kIdleSleep = std::chrono::milliseconds(1);
// While a negotiation awaits the peer's agreement: the peer's first ESP
// packets come right behind it.
constexpr auto kNegotiatingSleep = std::chrono::microseconds(100);

}  // namespace

KeyExchangeThread::KeyExchangeThread(std::vector<worker::Worker*> workers)
    : workers_(std::move(workers)) {}

KeyExchangeThread::~KeyExchangeThread() {
  stop();
}

base::Status KeyExchangeThread::start(std::optional<int> cpu) {
  std::promise<base::Status> started;
  auto result = started.get_future();
  stop_.store(false);
  thread_ = std::thread([this, cpu, &started] {
    base::Status pinned = cpu ? base::pin_current_thread(*cpu) : base::Status(base::Ok{});
    const bool ok = pinned.ok();
    started.set_value(std::move(pinned));  // `started` is gone after this
    if (ok) run();
  });
  base::Status status = result.get();
  if (!status) {
    thread_.join();
    thread_ = std::thread();
  }
  return status;
}

void KeyExchangeThread::run() {
  std::unique_lock lock(mutex_, std::defer_lock);
  while (!stop_.load(std::memory_order_relaxed)) {
    if (pause_requested_.load(std::memory_order_acquire)) [[unlikely]] {
      park();
      if (stop_.load(std::memory_order_relaxed)) break;
    }
    bool busy = false;
    bool negotiating = false;
    for (worker::Worker* w : workers_) {
      busy = w->poll_key_exchange() || busy;
      negotiating = negotiating || w->key_exchange_negotiating();
    }
    ++rounds_;
    if (!busy) {
      // Sleep, but wake at once for stop() or pause().
      lock.lock();
      changed_.wait_for(lock, negotiating ? kNegotiatingSleep : kIdleSleep, [this] {
        return stop_.load(std::memory_order_relaxed) ||
               pause_requested_.load(std::memory_order_acquire);
      });
      lock.unlock();
    }
  }
}

void KeyExchangeThread::park() {
  std::unique_lock lock(mutex_);
  parked_ = true;
  changed_.notify_all();
  changed_.wait(lock, [this] {
    return !pause_requested_.load(std::memory_order_acquire) ||
           stop_.load(std::memory_order_relaxed);
  });
  parked_ = false;
}

bool KeyExchangeThread::pause(int timeout_ms) {
  if (!thread_.joinable()) return false;
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

void KeyExchangeThread::resume() {
  {
    std::lock_guard lock(mutex_);
    pause_requested_.store(false, std::memory_order_release);
  }
  changed_.notify_all();
}

void KeyExchangeThread::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stop_.store(true);
  }
  changed_.notify_all();
  thread_.join();
  thread_ = std::thread();
}

}  // namespace strait::daemon
