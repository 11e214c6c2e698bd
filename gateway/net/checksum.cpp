#include "net/checksum.hpp"

#include <cstring>

namespace strait::net {

std::uint32_t checksum_partial(const std::uint8_t* data, std::size_t length,
                               std::uint32_t initial) noexcept {
  std::uint64_t sum = initial;
  // 4 bytes at a time in network order; a 64-bit accumulator cannot overflow
  // for any packet size.
  while (length >= 4) {
    sum += (static_cast<std::uint32_t>(data[0]) << 24) |
           (static_cast<std::uint32_t>(data[1]) << 16) |
           (static_cast<std::uint32_t>(data[2]) << 8) | data[3];
    data += 4;
    length -= 4;
  }
  if (length >= 2) {
    sum += (static_cast<std::uint32_t>(data[0]) << 8) | data[1];
    data += 2;
    length -= 2;
  }
  if (length) sum += static_cast<std::uint32_t>(data[0]) << 8;
  while (sum >> 32)
    sum = (sum & 0xffffffff) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint32_t>(sum);
}

std::uint16_t checksum_finish(std::uint32_t sum) noexcept {
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::uint32_t pseudo_header_ipv4(const std::uint8_t* source, const std::uint8_t* destination,
                                 std::uint8_t protocol, std::uint16_t length) noexcept {
  std::uint32_t sum = checksum_partial(source, 4);
  sum = checksum_partial(destination, 4, sum);
  return sum + protocol + length;
}

std::uint32_t pseudo_header_ipv6(const std::uint8_t* source, const std::uint8_t* destination,
                                 std::uint8_t next_header, std::uint32_t length) noexcept {
  std::uint32_t sum = checksum_partial(source, 16);
  sum = checksum_partial(destination, 16, sum);
  return sum + (length >> 16) + (length & 0xffff) + next_header;
}

}  // namespace strait::net
