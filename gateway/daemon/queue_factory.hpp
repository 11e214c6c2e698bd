#pragma once
// Builds the queues of a gateway, the one way for every caller: `strait
// run`'s start-up (its first transaction) and every later reconfiguration
// (LiveGateway), `strait replay` and the simulator, on whichever Backend
// opens the ports (AF_XDP, AF_PACKET, or in memory).
//
// * build(): a running queue. Its ports, a worker whose key manager runs on
//   the key-exchange thread (KeyExchangeHosting::kSeparate), and the
//   worker's thread, started parked: it polls once the caller resumes it,
//   after the transaction that built it commits; until then dropping the
//   queue undoes all of it.
// * build_stepped(): a stepped queue. The same ports and worker, its key
//   manager inside poll() (kInWorker), and no thread: the caller polls it
//   on its own thread and virtual clock (strait replay, the simulator).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "backend/backend.hpp"
#include "base/clock.hpp"
#include "base/random.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "daemon/running_queue.hpp"
#include "daemon/worker_thread.hpp"
#include "nexthop/shared_neighbor.hpp"

namespace strait::daemon {

// A queue its caller polls: see build_stepped().
struct SteppedQueue {
  backend::QueueBinding binding;
  std::unique_ptr<backend::QueuePorts> ports;
  std::unique_ptr<base::Random> random;
  std::unique_ptr<worker::Worker> worker;  // declared last: destroyed first
};

class QueueFactory {
 public:
  // The randomness of queue N's key exchange (nonces, ephemeral keys,
  // SPIs, rekey jitter).
  using RandomSource = std::function<std::unique_ptr<base::Random>(std::uint16_t queue)>;
  struct Options {
    ThreadSettings threads;  // build(): busywait and realtime (the CPU is per queue)
    RandomSource random;     // empty: the kernel's (base::SystemRandom)
    // The first sequence number of static outbound SAs (data-plane).
    std::uint64_t static_sa_initial_sequence = 1;
    // Their floors and limits across restarts (strait run); null: none.
    const worker::StaticSequenceSource* static_sequences = nullptr;
  };

  // The backend and clock outlive the factory and its queues.
  QueueFactory(backend::Backend& backend, const base::Clock& clock, Options options)
      : backend_(backend), clock_(clock), options_(std::move(options)) {}

  // Queue `binding.queue` of `config`, pinned to `cpu` if given. Workers of
  // the same private interface share `private_neighbor`. Errors say what
  // could not be opened or created; the caller names the queue.
  base::Result<RunningQueue> build(const config::GatewayConfig& config,
                                   const backend::QueueBinding& binding, std::optional<int> cpu,
                                   nexthop::SharedNeighbor* private_neighbor) const;
  // The same queue without a thread, for a caller that polls it.
  base::Result<SteppedQueue> build_stepped(const config::GatewayConfig& config,
                                           const backend::QueueBinding& binding,
                                           nexthop::SharedNeighbor* private_neighbor) const;

  const backend::Backend& backend() const noexcept { return backend_; }

 private:
  base::Result<SteppedQueue> build_worker(const config::GatewayConfig& config,
                                          const backend::QueueBinding& binding,
                                          nexthop::SharedNeighbor* private_neighbor,
                                          worker::KeyExchangeHosting hosting) const;

  backend::Backend& backend_;
  const base::Clock& clock_;
  Options options_;
};

}  // namespace strait::daemon
