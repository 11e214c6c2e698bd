#pragma once
// `strait run`: one named gateway on kernel interfaces, and the control
// loop that serves it. The gateway (LiveGateway) starts empty and takes
// the configuration file as its first transaction: one worker thread per
// queue (per public interface), each with its own frame pool and ports,
// and one key-exchange thread for the key managers of all queues. The
// calling thread is the control thread: a poll() loop over a signalfd
// (SIGTERM, SIGINT: stop; SIGHUP: reload the configuration file as one
// transaction), the control socket <run root>/NAME.sock (strait config:
// control/server.hpp, control/controller.hpp) and a timer that writes
// gateway-state to <run root>/NAME/gateway-state every state_interval_ms.
// <run root>/NAME/pid keeps a second instance of the same name away.

#include <string>
#include <vector>

#include "backend/backend_kind.hpp"
#include "base/result.hpp"

namespace strait::daemon {

struct DaemonOptions {
  std::string name;
  std::string config_path;
  backend::BackendKind backend = backend::BackendKind::kXdp;
  std::vector<int> cpus;  // worker i on cpus[i]; empty: not pinned
  bool busywait = false;
  bool realtime = false;
  int state_interval_ms = 1000;
  // Serve the state in the Prometheus text format on this ADDRESS:PORT
  // (metrics::parse_endpoint), refreshed with every state write; empty: no.
  std::string metrics_address;
};

// Runs until SIGTERM or SIGINT (blocked in every thread, taken by the
// control thread). Returns Ok after a clean stop (workers joined, ports
// closed, files removed); an error says what kept the gateway from
// starting and how to fix it.
base::Status run_gateway(const DaemonOptions& options);

}  // namespace strait::daemon
