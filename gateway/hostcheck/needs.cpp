#include "hostcheck/needs.hpp"

#include <algorithm>

#include "backend/queue_ports.hpp"
#include "daemon/queue_bindings.hpp"

namespace strait::hostcheck {

namespace {

InterfaceNeeds& interface_of(HostNeeds& needs, const std::string& ifname) {
  for (InterfaceNeeds& interface : needs.interfaces)
    if (interface.ifname == ifname) return interface;
  InterfaceNeeds& added = needs.interfaces.emplace_back();
  added.ifname = ifname;
  return added;
}

void add_role(InterfaceNeeds& interface, const std::string& role) {
  if (interface.roles.find(role) != std::string::npos) return;
  if (!interface.roles.empty()) interface.roles += ", ";
  interface.roles += role;
}

void need_mtu(InterfaceNeeds& interface, std::uint32_t mtu, const std::string& reason) {
  if (mtu <= interface.min_mtu) return;
  interface.min_mtu = mtu;
  interface.mtu_reason = reason;
}

}  // namespace

base::Result<HostNeeds> needs_of(const config::GatewayConfig& config,
                                 const std::string& config_path, backend::BackendKind backend,
                                 std::vector<int> cpus) {
  auto bindings = daemon::bindings_of(config, config_path);
  if (!bindings) return bindings.error();
  HostNeeds needs;
  needs.backend = backend;
  needs.queues = bindings->size();
  needs.cpus = std::move(cpus);
  const std::string mtu = "mtu " + std::to_string(config.mtu);
  for (const backend::QueueBinding& binding : *bindings) {
    // The outer header is of the queue's public interface's family (the
    // private network's, but with the dual-stack extension).
    const config::PublicInterface* public_interface = config.public_interface(binding.queue);
    const net::Family outer = public_interface ? public_interface->ip.family : config.family;
    const std::uint32_t overhead = outer == net::Family::kIpv4 ? kEspOverhead4 : kEspOverhead6;
    const auto bind_side = [&](const backend::PortBinding& side, bool is_private) {
      InterfaceNeeds& interface = interface_of(needs, side.ifname);
      interface.is_private = interface.is_private || is_private;
      add_role(interface,
               is_private ? "private" : "public (queue " + std::to_string(binding.queue) + ")");
      interface.receive_queues = std::max<std::uint32_t>(
          interface.receive_queues, static_cast<std::uint32_t>(side.device_queue.value_or(0)) + 1);
      if (is_private)
        need_mtu(interface, config.mtu, mtu);
      else
        need_mtu(interface, config.mtu + overhead,
                 mtu + " + " + std::to_string(overhead) + " bytes of ESP");
    };
    bind_side(binding.private_side, true);
    bind_side(binding.public_side, false);
  }
  // The private interface first, as the configuration reads.
  std::stable_partition(needs.interfaces.begin(), needs.interfaces.end(),
                        [](const InterfaceNeeds& i) { return i.is_private; });
  needs.locked_bytes = kSecureHeapAllowance;
  if (backend == backend::BackendKind::kXdp)
    for (const backend::QueueBinding& binding : *bindings) {
      const backend::PortPairSpec spec = backend::queue_pair_spec(binding, backend);
      needs.locked_bytes += static_cast<std::uint64_t>(spec.frame_size) * spec.frame_count;
    }
  return needs;
}

}  // namespace strait::hostcheck
