#pragma once
// The running gateway as the control socket sees it (control::ManagedGateway):
// its queues (each a WorkerThread owning its worker and ports), the
// key-exchange thread, and the transactions that change them.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "control/controller.hpp"
#include "daemon/gateway_daemon.hpp"
#include "daemon/key_exchange_thread.hpp"
#include "daemon/worker_thread.hpp"
#include "nexthop/shared_neighbor.hpp"

namespace strait::daemon {

// One running queue: its binding and CPU as started, and its thread (which
// owns the worker and the ports).
struct RunningQueue {
  backend::QueueBinding binding;
  config::PublicInterface public_interface;
  std::optional<int> cpu;
  std::unique_ptr<WorkerThread> thread;
};

// The running gateway as the control socket sees it. A transaction that
// changes a queue's interfaces, or adds or removes public interfaces, is
// applied by rebuilding the queues concerned (new ports, new worker, new
// key manager: their SAs are negotiated afresh); the others are
// reconfigured in place and keep their SAs. Everything that can fail
// happens before anything running changes.
class DaemonGateway final : public control::ManagedGateway {
 public:
  DaemonGateway(const DaemonOptions& options, backend::Backend& backend, const base::Clock& clock,
                const config::GatewayConfig& config, std::vector<RunningQueue>& queues,
                KeyExchangeThread& key_exchange,
                std::unique_ptr<nexthop::SharedNeighbor>& private_neighbor);

  base::Status apply(const config::GatewayConfig& config) override;

  base::Result<std::string> state(std::optional<std::uint16_t> queue) override;

  struct Snapshot {
    std::string summed;
    std::vector<std::pair<unsigned, std::string>> per_queue;  // with_queues only
  };
  // The summed state and, if asked, each queue's, from one pause.
  base::Result<Snapshot> snapshot(bool with_queues);

 private:
  // AF_XDP binds one socket per interface queue: a port still held by a
  // running queue cannot be opened for its successor beside it.
  base::Status xdp_ports_free(const backend::QueueBinding& binding) const;

  const DaemonOptions& options_;
  backend::Backend& backend_;
  const base::Clock& clock_;
  std::vector<RunningQueue>& queues_;
  KeyExchangeThread& key_exchange_;
  std::unique_ptr<nexthop::SharedNeighbor>& private_neighbor_;
  net::Family family_;
  bool data_plane_;
  config::Interface private_interface_;
};

}  // namespace strait::daemon
