#pragma once
// One worker on its own thread: polls its queue's ports until stopped.
// Without busy-waiting, an idle worker sleeps in poll(2) on the ports'
// descriptors for at most a millisecond (or naps 100 µs when the backend
// has none), so its timers (next hop; the key manager's when it runs on the
// worker, KeyExchangeHosting::kInWorker) still run every millisecond, and
// SA changes and datagrams from the key-exchange thread wait at most that
// long.
//
// Reading the worker's state from another thread: pause() parks the worker
// between two polls (it checks one atomic flag per round, never per
// packet) and returns once it is parked; everything the worker wrote is
// then visible (the hand-over goes through a mutex) and nothing changes
// until resume(). The control thread renders gateway-state this way, so
// counters and the SA tables are read consistently, without races.

#include <poll.h>

#include <future>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "backend/queue_ports.hpp"
#include "base/clock.hpp"
#include "base/random.hpp"
#include "base/result.hpp"
#include "daemon/thread_parking.hpp"
#include "worker/worker.hpp"

namespace strait::daemon {

struct ThreadSettings {
  std::optional<int> cpu;  // pin to this CPU
  bool busywait = false;   // never sleep
  bool realtime = false;   // SCHED_FIFO
};

class WorkerThread {
 public:
  WorkerThread(std::unique_ptr<backend::QueuePorts> ports, std::unique_ptr<base::Random> random,
               std::unique_ptr<worker::Worker> worker);
  ~WorkerThread();  // stops and joins
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // Starts the thread; it applies `settings` to itself first, and the
  // result (e.g. SCHED_FIFO refused) is returned once it knows. On error
  // the thread has already ended. `parked`: the thread parks before its
  // first poll, as if paused, until resume() (a queue built while the
  // gateway runs starts this way and joins the others when committed).
  base::Status start(const ThreadSettings& settings, bool parked = false);
  // Asks the worker to finish its round and end; joins it.
  void stop();

  // Parks the worker between two polls; false if it did not park within
  // `timeout_ms` (then it is not parked, and resume() needs not be called
  // but is harmless).
  bool pause(int timeout_ms);
  void resume();

  const worker::Worker& worker() const noexcept { return *worker_; }
  // Changing the worker from another thread: only while paused.
  worker::Worker& worker() noexcept { return *worker_; }

 private:
  void run(const ThreadSettings& settings, std::promise<base::Status>* started);
  void idle_wait(std::vector<pollfd>& fds) noexcept;

  std::unique_ptr<backend::QueuePorts> ports_;
  std::unique_ptr<base::Random> random_;
  std::unique_ptr<worker::Worker> worker_;
  std::thread thread_;

  ThreadParking parking_;
};

}  // namespace strait::daemon
