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
  parking_.reset(false);
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
  while (parking_.checkpoint()) {
    bool busy = false;
    bool negotiating = false;
    for (worker::Worker* w : workers_) {
      busy = w->poll_key_exchange() || busy;
      negotiating = negotiating || w->key_exchange_negotiating();
    }
    ++rounds_;
    if (!busy) {
      // Sleep, but wake at once for stop() or pause().
      parking_.nap(negotiating ? kNegotiatingSleep : kIdleSleep);
    }
  }
}

bool KeyExchangeThread::pause(int timeout_ms) {
  return thread_.joinable() && parking_.pause(timeout_ms);
}

void KeyExchangeThread::resume() {
  parking_.resume();
}

void KeyExchangeThread::stop() {
  if (!thread_.joinable()) return;
  parking_.request_stop();
  thread_.join();
  thread_ = std::thread();
}

}  // namespace strait::daemon
