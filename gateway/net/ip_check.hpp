#pragma once
// Validation of an IP header found in packet memory, shared by the private
// and public dispatchers and by decapsulation. Cheap checks first; the
// IPv4 header checksum last.

#include <cstddef>
#include <cstdint>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::net {

enum class IpCheck : std::uint8_t {
  kOk,
  kTruncated,    // shorter than its header or its stated length
  kMalformed,    // wrong version, header length < 20
  kBadChecksum,  // IPv4 header checksum
  kFragment,     // IPv4 MF / offset, or an IPv6 fragment header
};

struct IpInfo {
  IpCheck result;
  std::uint8_t protocol;        // IPv4 protocol / IPv6 next header
  std::uint16_t header_length;  // bytes up to the upper-layer header
  std::uint32_t length;         // total length (the packet may carry trailing padding)
};

[[gnu::always_inline]] inline IpInfo check_ipv4(const std::uint8_t* ip,
                                                std::size_t available) noexcept {
  if (available < kIpv4HeaderSize) return {IpCheck::kTruncated, 0, 0, 0};
  const auto* h = reinterpret_cast<const Ipv4Header*>(ip);
  const std::uint16_t header_length = static_cast<std::uint16_t>((h->version_ihl & 0x0f) * 4);
  if ((h->version_ihl >> 4) != 4 || header_length < kIpv4HeaderSize)
    return {IpCheck::kMalformed, 0, 0, 0};
  const std::uint16_t length = load16(h->total_length);
  if (length < header_length) return {IpCheck::kMalformed, 0, 0, 0};
  if (length > available) return {IpCheck::kTruncated, 0, 0, 0};
  const std::uint16_t sum =
      header_length == kIpv4HeaderSize ? ipv4_header_checksum(ip) : checksum(ip, header_length);
  if (sum != 0) return {IpCheck::kBadChecksum, 0, 0, 0};
  if (load16(h->flags_fragment) & (kIpv4MoreFragments | kIpv4OffsetMask))
    return {IpCheck::kFragment, h->protocol, header_length, length};
  return {IpCheck::kOk, h->protocol, header_length, length};
}

// Extension headers other than fragments are not walked: the upper-layer
// protocol reported is the first next header.
[[gnu::always_inline]] inline IpInfo check_ipv6(const std::uint8_t* ip,
                                                std::size_t available) noexcept {
  if (available < kIpv6HeaderSize) return {IpCheck::kTruncated, 0, 0, 0};
  const auto* h = reinterpret_cast<const Ipv6Header*>(ip);
  if ((h->version_class_flow[0] >> 4) != 6) return {IpCheck::kMalformed, 0, 0, 0};
  const std::uint32_t length = kIpv6HeaderSize + load16(h->payload_length);
  if (length > available) return {IpCheck::kTruncated, 0, 0, 0};
  constexpr std::uint8_t kFragmentHeader = 44;
  if (h->next_header == kFragmentHeader)
    return {IpCheck::kFragment, h->next_header, kIpv6HeaderSize, length};
  return {IpCheck::kOk, h->next_header, kIpv6HeaderSize, length};
}

[[gnu::always_inline]] inline IpInfo check_ip(bool ipv6, const std::uint8_t* ip,
                                              std::size_t available) noexcept {
  return ipv6 ? check_ipv6(ip, available) : check_ipv4(ip, available);
}

}  // namespace strait::net
