#include "testing/frame_view.hpp"

#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::testing {

using namespace strait::net;

namespace {

Mac mac_at(const std::uint8_t* p) {
  Mac m;
  std::memcpy(m.bytes.data(), p, 6);
  return m;
}

std::uint32_t pseudo_of(const IpView& ip, std::uint8_t protocol) {
  return ip.family == Family::kIpv4
             ? pseudo_header_ipv4(ip.source.data(), ip.destination.data(), protocol,
                                  static_cast<std::uint16_t>(ip.payload.size()))
             : pseudo_header_ipv6(ip.source.data(), ip.destination.data(), protocol,
                                  static_cast<std::uint32_t>(ip.payload.size()));
}

}  // namespace

std::optional<EthernetView> parse_ethernet(const Bytes& frame) {
  if (frame.size() < kEthernetHeaderSize) return std::nullopt;
  EthernetView e;
  e.destination = mac_at(frame.data());
  e.source = mac_at(frame.data() + 6);
  e.ethertype = load16(frame.data() + 12);
  e.payload.assign(frame.begin() + kEthernetHeaderSize, frame.end());
  return e;
}

std::optional<IpView> parse_ip(const Bytes& packet) {
  if (packet.empty()) return std::nullopt;
  IpView v;
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 4) == 4) {
    if (packet.size() < kIpv4HeaderSize) return std::nullopt;
    v.family = Family::kIpv4;
    v.header_length = static_cast<std::size_t>(p[0] & 0x0f) * 4;
    const std::size_t total = load16(p + 2);
    if (v.header_length < kIpv4HeaderSize || total < v.header_length || total > packet.size())
      return std::nullopt;
    v.flags_fragment = load16(p + 6);
    v.ttl = p[8];
    v.protocol = p[9];
    v.header_checksum_ok = checksum(p, v.header_length) == 0;
    v.source = Address::ipv4(p + 12);
    v.destination = Address::ipv4(p + 16);
    v.packet.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(total));
  } else if ((p[0] >> 4) == 6) {
    if (packet.size() < kIpv6HeaderSize) return std::nullopt;
    v.family = Family::kIpv6;
    v.header_length = kIpv6HeaderSize;
    const std::size_t total = kIpv6HeaderSize + load16(p + 4);
    if (total > packet.size()) return std::nullopt;
    v.protocol = p[6];
    v.ttl = p[7];
    v.source = Address::ipv6(p + 8);
    v.destination = Address::ipv6(p + 24);
    v.packet.assign(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(total));
  } else {
    return std::nullopt;
  }
  v.payload.assign(v.packet.begin() + static_cast<std::ptrdiff_t>(v.header_length), v.packet.end());
  return v;
}

std::optional<IpView> parse_ip_frame(const Bytes& frame) {
  const auto e = parse_ethernet(frame);
  if (!e) return std::nullopt;
  auto v = parse_ip(e->payload);
  if (!v) return std::nullopt;
  const std::uint16_t expected = v->family == Family::kIpv4 ? kEthertypeIpv4 : kEthertypeIpv6;
  if (e->ethertype != expected) return std::nullopt;
  return v;
}

std::optional<IcmpView> parse_icmp(const IpView& ip) {
  const bool v6 = ip.family == Family::kIpv6;
  if (ip.protocol != (v6 ? kProtocolIcmp6 : kProtocolIcmp) || ip.payload.size() < 8)
    return std::nullopt;
  IcmpView m;
  m.type = ip.payload[0];
  m.code = ip.payload[1];
  m.rest = load32(ip.payload.data() + 4);
  const std::uint32_t initial = v6 ? pseudo_of(ip, kProtocolIcmp6) : 0;
  m.checksum_ok =
      checksum_finish(checksum_partial(ip.payload.data(), ip.payload.size(), initial)) == 0;
  m.body.assign(ip.payload.begin() + 8, ip.payload.end());
  return m;
}

std::optional<UdpView> parse_udp(const IpView& ip) {
  if (ip.protocol != kProtocolUdp || ip.payload.size() < kUdpHeaderSize) return std::nullopt;
  if (load16(ip.payload.data() + 4) != ip.payload.size()) return std::nullopt;
  UdpView u;
  u.source_port = load16(ip.payload.data());
  u.destination_port = load16(ip.payload.data() + 2);
  u.checksum_ok = checksum_finish(checksum_partial(ip.payload.data(), ip.payload.size(),
                                                   pseudo_of(ip, kProtocolUdp))) == 0;
  u.payload.assign(ip.payload.begin() + kUdpHeaderSize, ip.payload.end());
  return u;
}

std::optional<ArpView> parse_arp_frame(const Bytes& frame) {
  const auto e = parse_ethernet(frame);
  if (!e || e->ethertype != kEthertypeArp || e->payload.size() < kArpSize) return std::nullopt;
  const std::uint8_t* a = e->payload.data();
  if (load16(a) != 1 || load16(a + 2) != kEthertypeIpv4 || a[4] != 6 || a[5] != 4)
    return std::nullopt;
  ArpView v;
  v.operation = load16(a + 6);
  v.sender_mac = mac_at(a + 8);
  v.sender_ip = Address::ipv4(a + 14);
  v.target_mac = mac_at(a + 18);
  v.target_ip = Address::ipv4(a + 24);
  return v;
}

std::optional<NeighborView> parse_neighbor(const IpView& ip) {
  const auto m = parse_icmp(ip);
  if (!m || (m->type != 135 && m->type != 136) || m->body.size() < 16) return std::nullopt;
  NeighborView n;
  n.type = m->type;
  n.flags = m->rest;
  n.target = Address::ipv6(m->body.data());
  const std::uint8_t wanted = m->type == 135 ? 1 : 2;
  for (std::size_t at = 16; at + 2 <= m->body.size();) {
    const std::size_t length = std::size_t{m->body[at + 1]} * 8;
    if (length == 0 || at + length > m->body.size()) return std::nullopt;
    if (m->body[at] == wanted && length == 8) n.link = mac_at(m->body.data() + at + 2);
    at += length;
  }
  return n;
}

}  // namespace strait::testing
