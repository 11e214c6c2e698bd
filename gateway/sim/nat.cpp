#include "sim/nat.hpp"

#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::sim {

namespace {

struct Layout {
  bool v4;
  std::size_t header;  // IP header length
  std::uint8_t protocol;
  std::uint8_t* source;
  std::uint8_t* destination;
};

std::optional<Layout> layout(std::uint8_t* ip, std::size_t length) {
  if (length < net::kIpv4HeaderSize) return std::nullopt;
  if ((ip[0] >> 4) == 4) {
    const std::size_t header = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    if (header < net::kIpv4HeaderSize || length < header) return std::nullopt;
    if ((net::load16(ip + 6) & 0x1fff) != 0) return std::nullopt;  // a later fragment
    return Layout{true, header, ip[9], ip + 12, ip + 16};
  }
  if ((ip[0] >> 4) != 6 || length < net::kIpv6HeaderSize) return std::nullopt;
  return Layout{false, net::kIpv6HeaderSize, ip[6], ip + 8, ip + 24};
}

net::Address address_at(const Layout& l, const std::uint8_t* field) {
  return l.v4 ? net::Address::ipv4(field) : net::Address::ipv6(field);
}

// The IPv4 header checksum and a present UDP checksum, after a rewrite.
void fix_checksums(const Layout& l, std::uint8_t* ip, std::size_t length) {
  if (l.v4) {
    net::store16(ip + 10, 0);
    net::store16(ip + 10, net::checksum(ip, l.header));
  }
  if (l.protocol != net::kProtocolUdp || length < l.header + net::kUdpHeaderSize) return;
  std::uint8_t* udp = ip + l.header;
  if (l.v4 && net::load16(udp + 6) == 0) return;  // none
  const std::size_t udp_length = length - l.header;
  net::store16(udp + 6, 0);
  const std::uint32_t pseudo =
      l.v4 ? net::pseudo_header_ipv4(l.source, l.destination, net::kProtocolUdp,
                                     static_cast<std::uint16_t>(udp_length))
           : net::pseudo_header_ipv6(l.source, l.destination, net::kProtocolUdp,
                                     static_cast<std::uint32_t>(udp_length));
  std::uint16_t sum = net::checksum_finish(net::checksum_partial(udp, udp_length, pseudo));
  if (sum == 0) sum = 0xffff;
  net::store16(udp + 6, sum);
}

}  // namespace

bool Nat::outbound(std::uint8_t* ip, std::size_t length) {
  const auto l = layout(ip, length);
  const bool icmp = l && (l->protocol == net::kProtocolIcmp || l->protocol == net::kProtocolIcmp6);
  const bool udp = l && l->protocol == net::kProtocolUdp && length >= l->header + 8;
  if (!l || (!udp && !icmp) || outside_.size() != (l->v4 ? 4u : 16u)) {
    ++counters_.dropped;
    return false;
  }
  if (udp) {
    std::uint8_t* port = ip + l->header;
    const Inside inside{address_at(*l, l->source), net::load16(port)};
    const InsideKey key{inside.first.bytes, inside.second};
    auto mapped = out_.find(key);
    if (mapped == out_.end()) {
      mapped = out_.emplace(key, next_port_++).first;
      in_[mapped->second] = inside;
    }
    net::store16(port, mapped->second);
  }
  std::memcpy(l->source, outside_.data(), outside_.size());
  fix_checksums(*l, ip, length);
  ++counters_.translated;
  return true;
}

std::optional<net::Address> Nat::inbound(std::uint8_t* ip, std::size_t length) {
  const auto l = layout(ip, length);
  if (!l || l->protocol != net::kProtocolUdp || length < l->header + 8) {
    ++counters_.dropped;
    return std::nullopt;
  }
  std::uint8_t* port = ip + l->header + 2;
  const auto mapped = in_.find(net::load16(port));
  if (mapped == in_.end()) {
    ++counters_.dropped;
    return std::nullopt;
  }
  const auto& [address, inside_port] = mapped->second;
  net::store16(port, inside_port);
  std::memcpy(l->destination, address.data(), address.size());
  fix_checksums(*l, ip, length);
  ++counters_.translated;
  return address;
}

void Nat::rebind() {
  out_.clear();
  in_.clear();
  next_port_ = static_cast<std::uint16_t>(next_port_ + 1000);  // new ports from now on
  ++counters_.rebinds;
}

}  // namespace strait::sim
