#include "daemon/worker_thread.hpp"

#include "base/cpu_affinity.hpp"
#include "daemon/idle_wait.hpp"

#include <poll.h>
#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <future>
#include <vector>

namespace strait::daemon {

namespace {

constexpr int kRealtimePriority = 50;

base::Status apply(const ThreadSettings& settings) {
  if (settings.cpu)
    if (auto pinned = base::pin_current_thread(*settings.cpu); !pinned) return pinned;
  if (settings.realtime) {
    sched_param parameters{};
    parameters.sched_priority = kRealtimePriority;
    if (const int error = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters);
        error != 0)
      return base::Error{
          std::string("SCHED_FIFO refused: ") + std::strerror(error) +
          " (--realtime needs root or CAP_SYS_NICE, and a real-time budget: in a container "
          "or cgroup check cpu.rt_runtime_us / kernel.sched_rt_runtime_us; or drop "
          "--realtime)"};
  }
  return base::Ok{};
}

}  // namespace

WorkerThread::WorkerThread(std::unique_ptr<backend::QueuePorts> ports,
                           std::unique_ptr<base::Random> random,
                           std::unique_ptr<worker::Worker> worker)
    : ports_(std::move(ports)), random_(std::move(random)), worker_(std::move(worker)) {}

WorkerThread::~WorkerThread() {
  stop();
  worker_.reset();  // the worker refers to the ports: it goes first
  ports_.reset();
}

base::Status WorkerThread::start(const ThreadSettings& settings, bool parked) {
  std::promise<base::Status> started;
  auto result = started.get_future();
  parking_.reset(parked);
  thread_ = std::thread([this, settings, &started] { run(settings, &started); });
  base::Status status = result.get();
  if (!status) {
    thread_.join();
    thread_ = std::thread();
  }
  return status;
}

void WorkerThread::run(const ThreadSettings& settings, std::promise<base::Status>* started) {
  base::Status applied = apply(settings);
  const bool ok = applied.ok();
  started->set_value(std::move(applied));  // `started` is gone after this
  if (!ok) return;
  const bool busywait = settings.busywait;
  std::vector<pollfd> fds;
  for (int fd : ports_->wait_fds())
    fds.push_back(pollfd{fd, POLLIN, 0});
  while (parking_.checkpoint()) {
    const std::size_t received = worker_->poll();
    if (received == 0 && !busywait) idle_wait(fds);
  }
}

void WorkerThread::idle_wait(std::vector<pollfd>& fds) noexcept {
  if (!fds.empty()) {
    // 1 ms: the timers' period. A port whose interface went down has its
    // error cleared here, or poll(2) would wake at once from then on.
    daemon::idle_wait(fds, 1);
    return;
  }
  const timespec nap{0, 100'000};
  nanosleep(&nap, nullptr);
}

bool WorkerThread::pause(int timeout_ms) {
  return thread_.joinable() && parking_.pause(timeout_ms);
}

void WorkerThread::resume() {
  parking_.resume();
}

void WorkerThread::stop() {
  if (!thread_.joinable()) return;
  parking_.request_stop();
  thread_.join();
  thread_ = std::thread();
}

}  // namespace strait::daemon
