#include "backend/queue_ports.hpp"

#include "net/multicast.hpp"

namespace strait::backend {

namespace {

PortSpec port_spec(const std::string& role, const PortBinding& side, Traffic traffic,
                   std::uint16_t protocol_port) {
  PortSpec spec;
  spec.role = role;
  spec.ifname = side.ifname;
  spec.device_queue = side.device_queue;
  spec.traffic = traffic;
  spec.own_addresses = {side.address};
  spec.protocol_port = protocol_port;
  spec.unicast = side.mac;
  spec.multicast = net::listened_groups(side.address);
  return spec;
}

}  // namespace

PortPairSpec queue_pair_spec(const QueueBinding& binding, BackendKind kind) {
  PortPairSpec spec;
  spec.first = port_spec("private", binding.private_side, Traffic::kAll, binding.protocol_port);
  spec.second = port_spec("public", binding.public_side, Traffic::kOwn, binding.protocol_port);
  spec.second.nat_port = binding.nat_port;
  // A page per frame: room for a 1500-byte frame plus ESP, and more.
  spec.frame_size = 4096;
  // AF_XDP: both sockets' fill and TX rings full, plus as many in flight
  // again; AF_PACKET: as many frames as both ports' rings have slots.
  spec.frame_count = 8192;
  spec.ring_size = kind == BackendKind::kXdp ? 1024 : 2048;
  return spec;
}

}  // namespace strait::backend
