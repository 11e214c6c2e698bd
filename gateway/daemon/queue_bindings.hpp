#pragma once
// Which ports each queue of a configuration opens (backend::QueueBinding), and the
// checks and hints that turn what the kernel refuses into errors that say
// how to fix it.

#include <string>
#include <vector>

#include "backend/queue_ports.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"

namespace strait::daemon {

// One binding per public interface (queue): queue i serves the private
// interface's receive queue i-1 when there are several (RSS), the whole
// private interface when alone. Errors name the configuration file.
base::Result<std::vector<backend::QueueBinding>> bindings_of(const config::GatewayConfig& config,
                                                             const std::string& config_path);

// The binding's interface is present in this network namespace, with the
// receive queue it asks for (when sysfs shows queues).
base::Status check_binding(const config::GatewayConfig& config, const std::string& config_path,
                           const backend::PortBinding& binding);

// `message` with how to fix it, when it says what the kernel refused
// (permissions, AF_XDP not supported).
std::string with_hint(const std::string& message, backend::BackendKind kind);

// "eth1 queue 0": a port binding for log lines and errors.
std::string describe(const backend::PortBinding& binding);
// "private eth1 queue 0, public eth2": a queue's ports.
std::string ports_of(const backend::QueueBinding& binding);

}  // namespace strait::daemon
