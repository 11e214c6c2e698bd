#include "dispatch/private_dispatch.hpp"

#include "dispatch/classify.hpp"

namespace strait::dispatch {

void PrivateDispatch::process(std::span<io::Packet*> received, io::Port& port,
                              nexthop::NextHop& next_hop, icmp::Responder& icmp,
                              io::Link& to_router, io::Link& to_private) noexcept {
  for (io::Packet* p : received) {
    net::IpInfo info;
    if (!take_ip(p, ipv6_, counters_, next_hop, port, info)) continue;
    if (is_destination(p, ipv6_, own_ip_.data())) [[unlikely]] {
      // For the gateway itself: only unfragmented ICMP is handled.
      if (info.result == net::IpCheck::kFragment) {
        ++counters_.fragment_errors;
      } else if (info.protocol != (ipv6_ ? net::kProtocolIcmp6 : net::kProtocolIcmp)) {
        ++counters_.protocol_errors;
      } else if (icmp.handle(p, info.length) == icmp::Responder::Verdict::kReply) {
        to_private.push(p);
        continue;
      }
      port.release(p);
      continue;
    }
    // Forwarded, fragments included: the tunnel carries them unchanged.
    to_router.push(p);
  }
}

}  // namespace strait::dispatch
