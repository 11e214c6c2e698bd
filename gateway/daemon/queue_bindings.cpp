#include "daemon/queue_bindings.hpp"

#include <net/if.h>
#include <sys/stat.h>

#include <string_view>

namespace strait::daemon {

namespace {

std::string role_of(const config::GatewayConfig& config, const std::string& ifname) {
  if (config.private_interface.ifname == ifname) return "private-interface";
  return "public-interface";
}

}  // namespace

// Interface present in this network namespace, and the receive queue
// there if one is asked for.
base::Status check_binding(const config::GatewayConfig& config, const std::string& config_path,
                           const backend::PortBinding& binding) {
  if (if_nametoindex(binding.ifname.c_str()) == 0)
    return base::Error{"no interface '" + binding.ifname + "' (" + role_of(config, binding.ifname) +
                       " ifname) in this network namespace: check `ip link`, run strait in the "
                       "interface's namespace (ip netns exec NS ...), or fix ifname in " +
                       config_path};
  if (!binding.device_queue) return base::Ok{};
  const std::string queues = "/sys/class/net/" + binding.ifname + "/queues";
  struct stat info {};
  if (stat(queues.c_str(), &info) != 0)
    return base::Ok{};  // no sysfs view here: let the backend tell
  const std::string rx = queues + "/rx-" + std::to_string(*binding.device_queue);
  if (stat(rx.c_str(), &info) == 0) return base::Ok{};
  return base::Error{"interface '" + binding.ifname + "' has no receive queue " +
                     std::to_string(*binding.device_queue) + " (device queue " +
                     std::to_string(*binding.device_queue + 1) +
                     " counting from 1): give it more queues (ethtool -L " + binding.ifname +
                     " combined N), or use fewer public-interface queues / another device-queue "
                     "in " +
                     config_path};
}

base::Result<std::vector<backend::QueueBinding>> bindings_of(const config::GatewayConfig& config,
                                                             const std::string& config_path,
                                                             InterfaceNames interfaces) {
  const auto ifname_of = [&](const config::Interface& interface,
                             std::string_view role) -> base::Result<std::string> {
    if (interface.ifname) return *interface.ifname;
    if (interfaces == InterfaceNames::kInMemory)
      return &interface == &config.private_interface
                 ? std::string("private")
                 : "public-" +
                       std::to_string(static_cast<const config::PublicInterface&>(interface).queue);
    return base::Error{std::string(role) +
                       " has no ifname: strait run drives kernel interfaces (AF_XDP, "
                       "AF_PACKET), not PCI devices; set ifname in " +
                       config_path};
  };
  auto private_ifname = ifname_of(config.private_interface, "private-interface");
  if (!private_ifname) return private_ifname.error();
  const bool shared_private = config.public_interfaces.size() > 1;
  std::vector<backend::QueueBinding> bindings;
  for (const auto& public_interface : config.public_interfaces) {
    auto public_ifname =
        ifname_of(public_interface,
                  "public-interface (queue " + std::to_string(public_interface.queue) + ")");
    if (!public_ifname) return public_ifname.error();
    backend::QueueBinding binding;
    binding.queue = public_interface.queue;
    binding.protocol_port = config.protocol_port;
    binding.nat_port = config.uses_udp_encapsulation() ? config.nat_traversal.port : 0;
    // Queue i serves the private interface's receive queue i-1 (RSS
    // spreads the private traffic); a lone queue takes the whole interface.
    binding.private_side = backend::PortBinding{
        *private_ifname,
        shared_private
            ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(public_interface.queue - 1))
            : std::nullopt,
        config.private_interface.ip, config.private_interface.mac};
    binding.public_side = backend::PortBinding{
        *public_ifname,
        public_interface.device_queue ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(
                                            *public_interface.device_queue - 1))
                                      : std::nullopt,
        public_interface.ip, public_interface.mac};
    bindings.push_back(std::move(binding));
  }
  return bindings;
}

std::string describe(const backend::PortBinding& binding) {
  return binding.ifname +
         (binding.device_queue ? " queue " + std::to_string(*binding.device_queue) : "");
}

std::string ports_of(const backend::QueueBinding& b) {
  return "private " + describe(b.private_side) + ", public " + describe(b.public_side);
}

}  // namespace strait::daemon
