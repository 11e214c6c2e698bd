#pragma once
// Steps shared by both dispatchers: Ethernet framing, IP validation with
// the matching counter, neighbor-discovery recognition.

#include <cstring>

#include "dispatch/mac_filter.hpp"
#include "io/packet.hpp"
#include "io/port.hpp"
#include "net/headers.hpp"
#include "net/ip_check.hpp"
#include "nexthop/next_hop.hpp"
#include "state/counters.hpp"

namespace strait::dispatch {

enum class Frame : std::uint8_t { kIp, kArp, kDrop };

// Classifies by ethertype; counts and returns kDrop for short frames,
// frames for another MAC (mac_filter.hpp) and foreign ethertypes
// (including the other IP family).
inline Frame classify_frame(const io::Packet* p, bool ipv6, const MacFilter& filter,
                            state::DispatchCounters& c) noexcept {
  if (p->length < net::kEthernetHeaderSize) [[unlikely]] {
    ++c.rxerrors;
    return Frame::kDrop;
  }
  if (!filter.accepts(p->data)) [[unlikely]] {
    ++c.mac_errors;
    return Frame::kDrop;
  }
  const std::uint16_t ethertype = net::load16(p->data + 12);
  if (ethertype == (ipv6 ? net::kEthertypeIpv6 : net::kEthertypeIpv4)) [[likely]]
    return Frame::kIp;
  if (!ipv6 && ethertype == net::kEthertypeArp) return Frame::kArp;
  ++c.ethertype_errors;
  return Frame::kDrop;
}

// Validates the IP header; on success trims the frame to the IP length and
// returns true. Otherwise counts the right error.
inline bool accept_ip(io::Packet* p, bool ipv6, state::DispatchCounters& c,
                      net::IpInfo& info) noexcept {
  info =
      net::check_ip(ipv6, p->data + net::kEthernetHeaderSize, p->length - net::kEthernetHeaderSize);
  switch (info.result) {
    case net::IpCheck::kOk:
    case net::IpCheck::kFragment:  // the caller decides whether it handles fragments
      p->length = static_cast<std::uint32_t>(net::kEthernetHeaderSize + info.length);
      return true;
    case net::IpCheck::kTruncated:
      ++c.rxerrors;
      return false;
    case net::IpCheck::kMalformed:
      ++c.protocol_errors;
      return false;
    case net::IpCheck::kBadChecksum:
      ++c.checksum_errors;
      return false;
  }
  return false;
}

inline bool is_destination(const io::Packet* p, bool ipv6, const std::uint8_t* own) noexcept {
  const std::uint8_t* ip = p->data + net::kEthernetHeaderSize;
  return net::same_ip(ipv6 ? ip + 24 : ip + 16, own, ipv6);
}

// An ICMPv6 neighbor solicitation or advertisement (handled by the next hop
// whatever its destination: solicitations go to multicast groups).
inline bool is_neighbor_discovery(const io::Packet* p, const net::IpInfo& info) noexcept {
  if (info.protocol != net::kProtocolIcmp6 || info.length < net::kIpv6HeaderSize + 1) return false;
  const std::uint8_t type = p->data[net::kEthernetHeaderSize + net::kIpv6HeaderSize];
  return type == 135 || type == 136;
}

// The steps every dispatcher starts with: ARP and neighbor discovery go to
// the interface's next hop, malformed and foreign frames (other MACs, other
// ethertypes) are counted and released. True, with `info` filled in, for an
// IP packet the caller goes on with; false once the packet was consumed.
inline bool take_ip(io::Packet* p, bool ipv6, const MacFilter& filter, state::DispatchCounters& c,
                    nexthop::NextHop& next_hop, io::Port& port, net::IpInfo& info) noexcept {
  const Frame frame = classify_frame(p, ipv6, filter, c);
  if (frame == Frame::kArp) {
    next_hop.receive_arp(p, port);
    return false;
  }
  if (frame == Frame::kDrop || !accept_ip(p, ipv6, c, info)) [[unlikely]] {
    port.release(p);
    return false;
  }
  if (ipv6 && is_neighbor_discovery(p, info)) [[unlikely]] {
    next_hop.receive_nd(p, info.length, port);
    return false;
  }
  return true;
}

}  // namespace strait::dispatch
