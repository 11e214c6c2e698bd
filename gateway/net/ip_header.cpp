#include "net/ip_header.hpp"

#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::net {

std::size_t write_ip_header(std::uint8_t* ip, const Address& source,
                            const std::uint8_t* destination, std::uint8_t protocol,
                            std::size_t payload_length, bool dont_fragment) noexcept {
  if (source.family == Family::kIpv6) {
    auto* h = reinterpret_cast<Ipv6Header*>(ip);
    store32(h->version_class_flow, 0x60000000u);
    store16(h->payload_length, static_cast<std::uint16_t>(payload_length));
    h->next_header = protocol;
    h->hop_limit = 64;
    std::memcpy(h->source, source.data(), 16);
    std::memcpy(h->destination, destination, 16);
    return kIpv6HeaderSize;
  }
  auto* h = reinterpret_cast<Ipv4Header*>(ip);
  h->version_ihl = 0x45;
  h->tos = 0;
  store16(h->total_length, static_cast<std::uint16_t>(kIpv4HeaderSize + payload_length));
  store16(h->identification, 0);
  store16(h->flags_fragment, dont_fragment ? kIpv4DontFragment : 0);
  h->ttl = 64;
  h->protocol = protocol;
  store16(h->checksum, 0);
  std::memcpy(h->source, source.data(), 4);
  std::memcpy(h->destination, destination, 4);
  store16(h->checksum, checksum(ip, kIpv4HeaderSize));
  return kIpv4HeaderSize;
}

}  // namespace strait::net
