#include "dispatch/private_dispatch.hpp"

#include "dispatch/classify.hpp"

namespace strait::dispatch {

void PrivateDispatch::process(std::span<io::Packet*> received, io::Port& port,
                              nexthop::NextHop& next_hop, icmp::Responder& icmp,
                              io::Link& to_router, io::Link& to_private) noexcept {
  for (io::Packet* p : received) {
    net::IpInfo info;
    if (!take_ip(p, ipv6_, filter_, counters_, next_hop, port, info)) continue;
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
    // RFC 1812 5.3.4: what came as a link-layer broadcast or multicast
    // (the group bit) is never forwarded; only the gateway's own MAC is.
    if (p->data[0] & 1) [[unlikely]] {
      ++counters_.mac_errors;
      port.release(p);
      continue;
    }
    // Forwarded, fragments included: the tunnel carries them unchanged.
    to_router.push(p);
  }
}

}  // namespace strait::dispatch
