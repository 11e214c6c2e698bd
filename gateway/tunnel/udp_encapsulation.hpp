#pragma once
// ESP in UDP (RFC 3948), Strait's NAT-traversal extension
// (docs/NAT-TRAVERSAL.md): the outer IP and UDP headers in front of an ESP
// packet or a NAT keepalive, and what a UDP payload on the NAT-traversal
// port is.
//
//   outer IP (protocol 17) | UDP (local port -> peer's port) | ESP ...
//   outer IP (protocol 17) | UDP | 0xff                        keepalive (RFC 3948 2.3)
//   outer IP (protocol 17) | UDP | 00 00 00 00 | key exchange  non-ESP marker (RFC 3948 2.2)
//
// The UDP checksum is 0 over IPv4 (RFC 3948 3.1.2 allows it: ESP's ICV
// protects the packet) and computed over IPv6 (RFC 8200 8.1 requires it).

#include <cstddef>
#include <cstdint>

#include "net/address.hpp"

namespace strait::tunnel {

constexpr std::uint8_t kNatKeepalive = 0xff;
// ESP's "no next header": a dummy packet (RFC 4303 2.6), the authenticated
// keepalive of NAT traversal (tunnel/nat_keepalives.hpp).
constexpr std::uint8_t kNextHeaderDummy = 59;
constexpr std::size_t kNonEspMarkerSize = 4;

// Writes the UDP header right in front of `payload` and the outer IP header
// (TTL / hop limit 64) in front of that; returns where the IP header
// starts. The caller checked the room in front of `payload`.
std::uint8_t* write_udp_outer(std::uint8_t* payload, std::size_t payload_length,
                              const net::Address& source, const net::Address& destination,
                              std::uint16_t source_port, std::uint16_t destination_port) noexcept;

// What a UDP payload that arrived on the NAT-traversal port is.
enum class UdpPayload : std::uint8_t {
  kKeepalive,    // one byte 0xff
  kKeyExchange,  // the non-ESP marker, then a key-exchange message
  kEsp,          // at least an SPI and a sequence number, SPI non-zero
  kMalformed,    // anything else (too short for ESP, a stray 0xff...)
};
inline UdpPayload classify_udp_payload(const std::uint8_t* payload, std::size_t length) noexcept {
  if (length == 1 && payload[0] == kNatKeepalive) return UdpPayload::kKeepalive;
  if (length >= kNonEspMarkerSize && payload[0] == 0 && payload[1] == 0 && payload[2] == 0 &&
      payload[3] == 0)
    return UdpPayload::kKeyExchange;
  if (length >= 8) return UdpPayload::kEsp;
  return UdpPayload::kMalformed;
}

}  // namespace strait::tunnel
