#include "dispatch/public_dispatch.hpp"

#include "dispatch/classify.hpp"
#include "tunnel/udp_encapsulation.hpp"

namespace strait::dispatch {

using namespace strait::net;

void PublicDispatch::process(std::span<io::Packet*> received, io::Port& port,
                             nexthop::NextHop& next_hop, icmp::Responder& icmp,
                             io::Link& to_decapsulation, io::Link& to_public,
                             io::Link& to_udp_decapsulation,
                             state::NatTraversalCounters& nat) noexcept {
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
    if (info.protocol == kProtocolUdp && nat_port_ != 0 &&
        info.length >= info.header_length + kUdpHeaderSize &&
        load16(p->data + kEthernetHeaderSize + info.header_length + 2) == nat_port_) [[unlikely]] {
      take_nat_udp(p, info, port, to_udp_decapsulation, nat);
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

// RFC 3948 2.2 and 2.3: a keepalive, a non-ESP marker (the key exchange),
// or ESP.
void PublicDispatch::take_nat_udp(io::Packet* p, const IpInfo& info, io::Port& port,
                                  io::Link& to_udp_decapsulation,
                                  state::NatTraversalCounters& nat) noexcept {
  const std::uint8_t* udp = p->data + kEthernetHeaderSize + info.header_length;
  const std::size_t udp_length = info.length - info.header_length;
  if (load16(udp + 4) != udp_length) [[unlikely]] {
    ++nat.udp_errors;
    port.release(p);
    return;
  }
  switch (tunnel::classify_udp_payload(udp + kUdpHeaderSize, udp_length - kUdpHeaderSize)) {
    case tunnel::UdpPayload::kEsp:
      to_udp_decapsulation.push(p);
      return;
    case tunnel::UdpPayload::kKeyExchange:
      if (control_ == nullptr) break;
      // Checksum and the rest are the key exchange's to verify.
      if (control_->push(&p, 1) == 0) {
        ++control_drops_;
        port.release(p);
      }
      return;
    case tunnel::UdpPayload::kKeepalive:
      ++nat.keepalives_received;
      port.release(p);
      return;
    case tunnel::UdpPayload::kMalformed:
      break;
  }
  ++nat.udp_errors;
  port.release(p);
}

}  // namespace strait::dispatch
