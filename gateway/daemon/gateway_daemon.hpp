#pragma once
// `strait run`: one named gateway on kernel interfaces. One worker thread
// per queue (per public interface), each with its own frame pool and
// ports, and one key-exchange thread for the key managers of all queues
// (KeyExchangeThread); the calling thread is the control thread: it waits for SIGTERM or
// SIGINT and, every state_interval_ms, writes gateway-state to
// <run root>/NAME/gateway-state. <run root>/NAME/pid keeps a second
// instance of the same name away.

#include <string>
#include <vector>

#include "base/result.hpp"
#include "daemon/backend.hpp"

namespace strait::daemon {

struct DaemonOptions {
  std::string name;
  std::string config_path;
  BackendKind backend = BackendKind::kXdp;
  std::vector<int> cpus;  // worker i on cpus[i]; empty: not pinned
  bool busywait = false;
  bool realtime = false;
  int state_interval_ms = 2000;
};

// Runs until SIGTERM or SIGINT (blocked in every thread, taken by the
// control thread). Returns Ok after a clean stop (workers joined, ports
// closed, files removed); an error says what kept the gateway from
// starting and how to fix it.
base::Status run_gateway(const DaemonOptions& options);

}  // namespace strait::daemon
