#include "dispatch/public_dispatch.hpp"

#include "dispatch/classify.hpp"

namespace strait::dispatch {

using namespace strait::net;

void PublicDispatch::process(std::span<io::Packet*> received, io::Port& port,
                             nexthop::NextHop& next_hop, icmp::Responder& icmp,
                             io::Link& to_decapsulation, io::Link& to_public) noexcept {
  const std::uint8_t icmp_protocol = ipv6_ ? kProtocolIcmp6 : kProtocolIcmp;
  for (io::Packet* p : received) {
    IpInfo info;
    if (!take_ip(p, ipv6_, filter_, counters_, next_hop, port, info)) continue;
    if (!is_destination(p, ipv6_, own_ip_.data())) [[unlikely]] {
      ++counters_.protocol_errors;
      port.release(p);
      continue;
    }
    if (info.result == IpCheck::kFragment) [[unlikely]] {
      ++counters_.fragment_errors;
      port.release(p);
      continue;
    }
    if (info.protocol == kProtocolEsp) [[likely]] {
      to_decapsulation.push(p);
      continue;
    }
    if (info.protocol == kProtocolUdp && control_ != nullptr &&
        info.length >= info.header_length + kUdpHeaderSize &&
        load16(p->data + kEthernetHeaderSize + info.header_length + 2) == protocol_port_) {
      // Checksum and length are the key exchange's to verify (its errors
      // are counted under key-manager).
      if (control_->push(&p, 1) == 0) {
        ++control_drops_;
        port.release(p);
      }
      continue;
    }
    if (info.protocol == icmp_protocol) {
      if (icmp.handle(p, info.length) == icmp::Responder::Verdict::kReply) {
        to_public.push(p);
        continue;
      }
    } else {
      ++counters_.protocol_errors;
    }
    port.release(p);
  }
}

}  // namespace strait::dispatch
