#include "router/private_router.hpp"

#include "net/headers.hpp"
#include "route/ipv4_load.hpp"
#include "router/ttl.hpp"

namespace strait::router {

using namespace strait::net;

void PrivateRouter::process(io::Link& in, io::Link& to_tunnel, io::Link& to_private,
                            io::Port& private_port) noexcept {
  for (io::Packet* p : in.packets()) {
    std::uint8_t* ip = p->data + kEthernetHeaderSize;
    const std::size_t ip_length = p->length - kEthernetHeaderSize;
    const std::uint8_t* destination = destination_of(ip, ipv6_);
    const std::uint32_t route =
        ipv6_ ? lpm6_.lookup(destination) : lpm4_.lookup(route::load_ipv4_host_order(destination));
    // No route, or the route has no outbound SA yet (key exchange pending).
    if (route == route::kNoRoute || sas_.outbound(route) == nullptr) [[unlikely]] {
      ++counters_.route_errors;
      private_port.release(p);
      continue;
    }
    // mtu bounds the inner packet; ESP in UDP (NAT traversal) takes 8 of it.
    const std::size_t extra = sas_.extra_overhead(route);
    if (ip_length + extra > mtu_) [[unlikely]] {
      ++counters_.mtu_errors;
      const auto mtu = static_cast<std::uint16_t>(mtu_ > extra ? mtu_ - extra : 0);
      errors_.send(ip, ip_length, ipv6_ ? icmp::kPacketTooBig6 : icmp::kFragmentationNeeded4, mtu,
                   private_port, to_private);
      private_port.release(p);
      continue;
    }
    if (!decrement_ttl(ip, ipv6_)) [[unlikely]] {
      errors_.send(ip, ip_length, ipv6_ ? icmp::kTimeExceeded6 : icmp::kTimeExceeded4, 0,
                   private_port, to_private);
      private_port.release(p);
      continue;
    }
    p->route = route;
    to_tunnel.push(p);
  }
  in.clear();
}

}  // namespace strait::router
