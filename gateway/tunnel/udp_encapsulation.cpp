#include "tunnel/udp_encapsulation.hpp"

#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::tunnel {

using namespace strait::net;

std::uint8_t* write_udp_outer(std::uint8_t* payload, std::size_t payload_length,
                              const Address& source, const Address& destination,
                              std::uint16_t source_port, std::uint16_t destination_port) noexcept {
  const bool ipv6 = source.family == Family::kIpv6;
  std::uint8_t* udp = payload - kUdpHeaderSize;
  const auto udp_length = static_cast<std::uint16_t>(kUdpHeaderSize + payload_length);
  store16(udp, source_port);
  store16(udp + 2, destination_port);
  store16(udp + 4, udp_length);
  store16(udp + 6, 0);
  if (ipv6) {
    std::uint8_t* ip = udp - kIpv6HeaderSize;
    auto* h = reinterpret_cast<Ipv6Header*>(ip);
    store32(h->version_class_flow, 0x60000000u);
    store16(h->payload_length, udp_length);
    h->next_header = kProtocolUdp;
    h->hop_limit = 64;
    std::memcpy(h->source, source.data(), 16);
    std::memcpy(h->destination, destination.data(), 16);
    const std::uint32_t pseudo =
        pseudo_header_ipv6(h->source, h->destination, kProtocolUdp, udp_length);
    std::uint16_t sum = checksum_finish(checksum_partial(udp, udp_length, pseudo));
    if (sum == 0) sum = 0xffff;  // 0 would mean "no checksum"
    store16(udp + 6, sum);
    return ip;
  }
  std::uint8_t* ip = udp - kIpv4HeaderSize;
  auto* h = reinterpret_cast<Ipv4Header*>(ip);
  h->version_ihl = 0x45;
  h->tos = 0;
  store16(h->total_length, static_cast<std::uint16_t>(kIpv4HeaderSize + udp_length));
  store16(h->identification, 0);
  store16(h->flags_fragment, 0);  // as the ESP packets Vita sends
  h->ttl = 64;
  h->protocol = kProtocolUdp;
  store16(h->checksum, 0);
  std::memcpy(h->source, source.data(), 4);
  std::memcpy(h->destination, destination.data(), 4);
  store16(h->checksum, checksum(ip, kIpv4HeaderSize));
  return ip;
}

}  // namespace strait::tunnel
