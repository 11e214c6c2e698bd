#include "router/inbound_router.hpp"

#include <cstring>

#include "net/headers.hpp"
#include "net/ip_check.hpp"
#include "router/ttl.hpp"

namespace strait::router {

using namespace strait::net;

void InboundRouter::process(io::Link& in, io::Link& to_private, io::Link& to_router,
                            icmp::Responder& inbound_icmp, io::Port& port) noexcept {
  for (io::Packet* p : in.packets()) {
    std::uint8_t* ip = p->data + kEthernetHeaderSize;
    const std::size_t ip_length = p->length - kEthernetHeaderSize;
    if (same_ip(destination_of(ip, ipv6_), private_ip_.data(), ipv6_)) [[unlikely]] {
      const std::uint8_t protocol = ipv6_ ? reinterpret_cast<Ipv6Header*>(ip)->next_header
                                          : reinterpret_cast<Ipv4Header*>(ip)->protocol;
      const bool fragment = !ipv6_ && (load16(reinterpret_cast<Ipv4Header*>(ip)->flags_fragment) &
                                       (kIpv4MoreFragments | kIpv4OffsetMask)) != 0;
      if (!fragment && protocol == (ipv6_ ? kProtocolIcmp6 : kProtocolIcmp) &&
          inbound_icmp.handle(p, ip_length) == icmp::Responder::Verdict::kReply) {
        to_router.push(p);
      } else {
        if (fragment || protocol != (ipv6_ ? kProtocolIcmp6 : kProtocolIcmp))
          inbound_icmp.counters().count(state::IcmpCounters::kProtocolErrors);
        port.release(p);
      }
      continue;
    }
    if (!decrement_ttl(ip, ipv6_)) [[unlikely]] {
      errors_.send(ip, ip_length, ipv6_ ? icmp::kTimeExceeded6 : icmp::kTimeExceeded4, 0, port,
                   to_router);
      port.release(p);
      continue;
    }
    to_private.push(p);
  }
  in.clear();
}

}  // namespace strait::router
