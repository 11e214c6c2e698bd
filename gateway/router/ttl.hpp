#pragma once
// TTL / hop limit handling shared by both directions: a gateway decrements
// the inner TTL once when encapsulating and once when decapsulating
// (PROTOCOL.md 4), so the tunnel shows as two hops in traceroute.

#include <cstdint>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::router {

// False if the packet at `ip` must not be forwarded (TTL / hop limit <= 1);
// otherwise decrements it (updating the IPv4 checksum incrementally).
inline bool decrement_ttl(std::uint8_t* ip, bool ipv6) noexcept {
  if (ipv6) {
    auto* h = reinterpret_cast<net::Ipv6Header*>(ip);
    if (h->hop_limit <= 1) return false;
    --h->hop_limit;
    return true;
  }
  auto* h = reinterpret_cast<net::Ipv4Header*>(ip);
  if (h->ttl <= 1) return false;
  // The new TTL / protocol word is worked out in a register: reading it
  // back from the packet right after the one-byte store of the TTL would
  // wait for that store (a failed store-to-load forward, about 40% of the
  // router's time).
  const std::uint16_t old_word = net::load16(&h->ttl);
  const auto new_word = static_cast<std::uint16_t>(old_word - 0x100);
  h->ttl = static_cast<std::uint8_t>(new_word >> 8);
  net::store16(h->checksum, net::checksum_adjust(net::load16(h->checksum), old_word, new_word));
  return true;
}

inline const std::uint8_t* destination_of(const std::uint8_t* ip, bool ipv6) noexcept {
  return ipv6 ? reinterpret_cast<const net::Ipv6Header*>(ip)->destination
              : reinterpret_cast<const net::Ipv4Header*>(ip)->destination;
}

}  // namespace strait::router
