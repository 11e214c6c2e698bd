#include "tunnel/udp_encapsulation.hpp"

#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "net/ip_header.hpp"

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
  std::uint8_t* ip = udp - (ipv6 ? kIpv6HeaderSize : kIpv4HeaderSize);
  // As the ESP packets Vita sends: no DF.
  write_ip_header(ip, source, destination.data(), kProtocolUdp, udp_length, false);
  if (ipv6) {
    const std::uint32_t pseudo =
        pseudo_header_ipv6(source.data(), destination.data(), kProtocolUdp, udp_length);
    std::uint16_t sum = checksum_finish(checksum_partial(udp, udp_length, pseudo));
    if (sum == 0) sum = 0xffff;  // 0 would mean "no checksum"
    store16(udp + 6, sum);
  }
  return ip;
}

}  // namespace strait::tunnel
