#pragma once
// The key exchange of every queue on one thread of its own (strait run):
// the workers poll their ports on their pinned CPUs, and this thread runs
// their key managers (Worker::poll_key_exchange, KeyExchangeHosting::
// kSeparate), so a vita-ske handshake (X25519, hashing, AEAD) never stalls
// a data-plane thread. Between rounds with nothing left to do it sleeps a
// millisecond, the key managers' timer resolution, or 100 µs while a
// negotiation awaits the peer's agreement (whose first ESP packets follow
// it closely; at most negotiation-ttl long).
//
// pause() / resume() work like WorkerThread's: the thread parks between
// two rounds, and what it wrote is then visible to the caller and stays
// put until resume(). The control thread parks it with the workers to
// render gateway-state (key-manager counters) and to reconfigure.

#include <optional>
#include <thread>
#include <vector>

#include "base/result.hpp"
#include "daemon/thread_parking.hpp"
#include "worker/worker.hpp"

namespace strait::daemon {

class KeyExchangeThread {
 public:
  // The workers must have been created with KeyExchangeHosting::kSeparate
  // and outlive the thread (stop() or destroy it first).
  explicit KeyExchangeThread(std::vector<worker::Worker*> workers);
  ~KeyExchangeThread();  // stops and joins
  KeyExchangeThread(const KeyExchangeThread&) = delete;
  KeyExchangeThread& operator=(const KeyExchangeThread&) = delete;

  // Starts the thread, pinned to `cpu` if given; the pinning's result is
  // returned once known (on error the thread has already ended).
  base::Status start(std::optional<int> cpu = std::nullopt);
  void stop();

  // Parks the thread between two rounds; false if it did not park within
  // `timeout_ms` (it is not parked then).
  bool pause(int timeout_ms);
  void resume();

  // The workers whose key exchange this thread runs, replaced while it is
  // paused (or not running): queues rebuilt or added by a reconfiguration
  // come in, removed ones go (before they are destroyed).
  void set_workers(std::vector<worker::Worker*> workers) { workers_ = std::move(workers); }

  // Rounds run so far (for tests; read it while paused or stopped).
  std::uint64_t rounds() const noexcept { return rounds_; }

 private:
  void run();

  std::vector<worker::Worker*> workers_;
  std::thread thread_;
  std::uint64_t rounds_ = 0;

  ThreadParking parking_;
};

}  // namespace strait::daemon
