#pragma once
// Builds the queues of a running gateway, the one way for every caller:
// `strait run`'s start-up (its first transaction) and every later
// reconfiguration (LiveGateway), on whichever Backend opens the ports
// (AF_XDP, AF_PACKET, or in memory). A queue is its ports, a
// worker whose key manager runs on the key-exchange thread
// (KeyExchangeHosting::kSeparate), and the worker's thread, started
// parked: it polls once the caller resumes it, after the transaction that
// built it commits; until then dropping the queue undoes all of it.

#include <optional>
#include <string>

#include "backend/backend.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "daemon/running_queue.hpp"
#include "daemon/worker_thread.hpp"
#include "nexthop/shared_neighbor.hpp"

namespace strait::daemon {

class QueueFactory {
 public:
  // `threads`: busywait and realtime for every queue (the CPU is per
  // queue). The backend and clock outlive the factory and its queues.
  QueueFactory(backend::Backend& backend, const base::Clock& clock, ThreadSettings threads)
      : backend_(backend), clock_(clock), threads_(threads) {}

  // Queue `binding.queue` of `config` (public interface `public_interface`),
  // pinned to `cpu` if given. Workers of the same private interface share
  // `private_neighbor`. Errors say what could not be opened or created;
  // the caller names the queue.
  base::Result<RunningQueue> build(const config::GatewayConfig& config,
                                   const backend::QueueBinding& binding, std::optional<int> cpu,
                                   nexthop::SharedNeighbor* private_neighbor) const;

  const backend::Backend& backend() const noexcept { return backend_; }

 private:
  backend::Backend& backend_;
  const base::Clock& clock_;
  ThreadSettings threads_;
};

}  // namespace strait::daemon
