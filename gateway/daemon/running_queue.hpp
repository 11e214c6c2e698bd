#pragma once
// One queue of a running gateway: the binding and public interface it was
// built for, its CPU, and its thread (which owns the worker and the ports).

#include <memory>
#include <optional>

#include "backend/queue_ports.hpp"
#include "config/gateway_config.hpp"
#include "daemon/worker_thread.hpp"

namespace strait::daemon {

struct RunningQueue {
  backend::QueueBinding binding;
  config::PublicInterface public_interface;
  std::optional<int> cpu;
  std::unique_ptr<WorkerThread> thread;
  // The kernel interfaces' indexes when the ports were opened (0: not a
  // kernel interface): the interface watch tells a deleted and re-created
  // interface from the one the ports are bound to.
  unsigned private_ifindex = 0;
  unsigned public_ifindex = 0;
};

}  // namespace strait::daemon
