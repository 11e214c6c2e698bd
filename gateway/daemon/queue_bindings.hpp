#pragma once
// Which ports each queue of a configuration opens (backend::QueueBinding),
// and the checks, before anything is opened, that the kernel interfaces
// they name are there (errors that say how to fix the configuration).
// What the kernel refuses once the ports are opened gets its hint from
// backend::with_hint.

#include <cstdint>
#include <string>
#include <vector>

#include "backend/queue_ports.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"

namespace strait::daemon {

// One binding per public interface (queue): queue i serves the private
// interface's receive queue i-1 when there are several (RSS), the whole
// private interface when alone. Errors name the configuration file.
// Interfaces need an ifname (kernel interfaces) unless `interfaces` is
// kInMemory (strait replay, the simulator: a `pci` or no device at all
// names the port "private" / "public-N").
enum class InterfaceNames : std::uint8_t { kKernel, kInMemory };
base::Result<std::vector<backend::QueueBinding>> bindings_of(
    const config::GatewayConfig& config, const std::string& config_path,
    InterfaceNames interfaces = InterfaceNames::kKernel);

// The binding's interface is present in this network namespace, with the
// receive queue it asks for (when sysfs shows queues).
base::Status check_binding(const config::GatewayConfig& config, const std::string& config_path,
                           const backend::PortBinding& binding);

// "eth1 queue 0": a port binding for log lines and errors.
std::string describe(const backend::PortBinding& binding);
// "private eth1 queue 0, public eth2": a queue's ports.
std::string ports_of(const backend::QueueBinding& binding);

}  // namespace strait::daemon
