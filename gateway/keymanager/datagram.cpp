#include "keymanager/datagram.hpp"

#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "net/ip_header.hpp"

namespace strait::keymanager {

using namespace strait::net;

namespace {
void write_udp(io::Packet* out, const Address& source, const Address& destination,
               std::uint16_t source_port, std::uint16_t destination_port,
               std::span<const std::uint8_t> payload, bool marked) noexcept;
}

void write_datagram(io::Packet* out, const Address& source, const Address& destination,
                    std::uint16_t port, std::span<const std::uint8_t> payload) noexcept {
  write_udp(out, source, destination, port, port, payload, false);
}

void write_marked_datagram(io::Packet* out, const Address& source, const Address& destination,
                           std::uint16_t source_port, std::uint16_t destination_port,
                           std::span<const std::uint8_t> payload) noexcept {
  write_udp(out, source, destination, source_port, destination_port, payload, true);
}

namespace {
void write_udp(io::Packet* out, const Address& source, const Address& destination,
               std::uint16_t source_port, std::uint16_t destination_port,
               std::span<const std::uint8_t> payload, bool marked) noexcept {
  const bool ipv6 = source.family == Family::kIpv6;
  const std::size_t ip_header = ipv6 ? kIpv6HeaderSize : kIpv4HeaderSize;
  std::uint8_t* ip = out->data + kEthernetHeaderSize;
  std::uint8_t* udp = ip + ip_header;
  const std::size_t marker = marked ? 4 : 0;
  const auto udp_length = static_cast<std::uint16_t>(kUdpHeaderSize + marker + payload.size());
  write_ip_header(ip, source, destination.data(), kProtocolUdp, udp_length, true);
  const std::uint32_t pseudo =
      ipv6 ? pseudo_header_ipv6(source.data(), destination.data(), kProtocolUdp, udp_length)
           : pseudo_header_ipv4(source.data(), destination.data(), kProtocolUdp, udp_length);
  store16(udp, source_port);
  store16(udp + 2, destination_port);
  store16(udp + 4, udp_length);
  store16(udp + 6, 0);
  std::memset(udp + kUdpHeaderSize, 0, marker);
  std::memcpy(udp + kUdpHeaderSize + marker, payload.data(), payload.size());
  std::uint16_t sum = checksum_finish(checksum_partial(udp, udp_length, pseudo));
  if (sum == 0) sum = 0xffff;  // 0 would mean "no checksum" (RFC 768)
  store16(udp + 6, sum);
  out->length = static_cast<std::uint32_t>(kEthernetHeaderSize + ip_header + udp_length);
}
}  // namespace

std::optional<Datagram> read_datagram(const io::Packet* p, Family family, std::uint16_t port,
                                      std::uint16_t nat_port) noexcept {
  const std::uint8_t* ip = p->data + kEthernetHeaderSize;
  const std::size_t ip_length = p->length - kEthernetHeaderSize;
  const bool ipv6 = family == Family::kIpv6;
  const std::size_t ip_header = ipv6 ? kIpv6HeaderSize : static_cast<std::size_t>(ip[0] & 0x0f) * 4;
  if (ip_length < ip_header + kUdpHeaderSize) return std::nullopt;
  const std::uint8_t* udp = ip + ip_header;
  const std::size_t udp_length = load16(udp + 4);
  if (udp_length != ip_length - ip_header || udp_length < kUdpHeaderSize) return std::nullopt;
  // The destination port must be ours; the source port is not checked, so
  // a peer behind a port-rewriting NAT is still heard.
  const bool marked = nat_port != 0 && load16(udp + 2) == nat_port;
  if (load16(udp + 2) != port && !marked) return std::nullopt;
  if (marked && (udp_length < kUdpHeaderSize + 4 || load32(udp + kUdpHeaderSize) != 0))
    return std::nullopt;
  // The checksum must be present and valid (PROTOCOL.md 2.1).
  if (load16(udp + 6) == 0) return std::nullopt;
  const std::uint32_t pseudo = ipv6 ? pseudo_header_ipv6(ip + 8, ip + 24, kProtocolUdp,
                                                         static_cast<std::uint32_t>(udp_length))
                                    : pseudo_header_ipv4(ip + 12, ip + 16, kProtocolUdp,
                                                         static_cast<std::uint16_t>(udp_length));
  if (checksum_finish(checksum_partial(udp, udp_length, pseudo)) != 0) return std::nullopt;
  Datagram d;
  d.source = ipv6 ? Address::ipv6(ip + 8) : Address::ipv4(ip + 12);
  const std::size_t marker = marked ? 4 : 0;
  d.payload = {udp + kUdpHeaderSize + marker, udp_length - kUdpHeaderSize - marker};
  d.source_port = load16(udp);
  d.marked = marked;
  return d;
}

}  // namespace strait::keymanager
