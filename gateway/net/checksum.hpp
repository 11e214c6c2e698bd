#pragma once
// The Internet checksum (RFC 1071) and its incremental update (RFC 1624),
// plus the IPv4 / IPv6 pseudo-header sums used by UDP and ICMPv6.

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace strait::net {

// One's-complement sum of `length` bytes folded into 32 bits, added to
// `initial` (not complemented).
std::uint32_t checksum_partial(const std::uint8_t* data, std::size_t length,
                               std::uint32_t initial = 0) noexcept;
// Folds and complements a partial sum into the checksum field value.
std::uint16_t checksum_finish(std::uint32_t sum) noexcept;
inline std::uint16_t checksum(const std::uint8_t* data, std::size_t length) noexcept {
  return checksum_finish(checksum_partial(data, length));
}

// Checksum of an IPv4 header without options (20 bytes): the per-packet
// case, unrolled. A header carrying a correct checksum yields 0.
inline std::uint16_t ipv4_header_checksum(const std::uint8_t* header) noexcept {
  std::uint32_t words[5];
  std::memcpy(words, header, sizeof words);
  // Sum native-order 32-bit words; the one's-complement sum is byte-order
  // independent (RFC 1071 2.B), so fold and swap once at the end.
  std::uint64_t sum = std::uint64_t{words[0]} + words[1] + words[2] + words[3] + words[4];
  sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  const auto folded = static_cast<std::uint16_t>(~sum);
  // `folded` holds the checksum in memory byte order: return the value
  // load16() would read from the packet.
  const auto* b = reinterpret_cast<const std::uint8_t*>(&folded);
  return static_cast<std::uint16_t>(b[0] << 8 | b[1]);
}

// Partial sums of the pseudo headers for an upper-layer length and protocol.
std::uint32_t pseudo_header_ipv4(const std::uint8_t* source, const std::uint8_t* destination,
                                 std::uint8_t protocol, std::uint16_t length) noexcept;
std::uint32_t pseudo_header_ipv6(const std::uint8_t* source, const std::uint8_t* destination,
                                 std::uint8_t next_header, std::uint32_t length) noexcept;

// RFC 1624 eqn. 3: new checksum after a 16-bit word changed from old to new.
inline std::uint16_t checksum_adjust(std::uint16_t checksum, std::uint16_t old_word,
                                     std::uint16_t new_word) noexcept {
  std::uint32_t sum = static_cast<std::uint16_t>(~checksum) +
                      static_cast<std::uint32_t>(static_cast<std::uint16_t>(~old_word)) + new_word;
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace strait::net
