#pragma once
// ICMP error messages the gateway originates: Time Exceeded, Fragmentation
// Needed (IPv4) / Packet Too Big (IPv6). The new packet quotes as much of
// the offending packet as fits in 576 (IPv4, RFC 1812) or 1280 (IPv6, RFC
// 4443) bytes, is sent from `source` to the offender's source, and leaves
// room for an Ethernet header the next hop fills in.

#include <cstdint>

#include "io/packet.hpp"
#include "net/address.hpp"

namespace strait::icmp {

struct ErrorType {
  std::uint8_t type;
  std::uint8_t code;
};

constexpr ErrorType kTimeExceeded4{11, 0};
constexpr ErrorType kFragmentationNeeded4{3, 4};
constexpr ErrorType kTimeExceeded6{3, 0};
constexpr ErrorType kPacketTooBig6{2, 0};

// Writes the error into `out` (a freshly allocated packet) about the IP
// packet at `offender` (offender_length bytes, already validated). `rest` is
// the 32-bit word after the checksum: the next-hop MTU for Fragmentation
// Needed (low 16 bits) and the MTU for Packet Too Big; 0 otherwise. Returns
// false (out untouched) when the offender must not be answered (it is
// itself an ICMP error, its source is not a unicast address, it is a
// non-initial IPv4 fragment, or it was sent to a multicast / broadcast
// address, except for Packet Too Big).
bool write_error(io::Packet* out, net::Family family, const std::uint8_t* offender,
                 std::size_t offender_length, ErrorType error, std::uint32_t rest,
                 const net::Address& source) noexcept;

}  // namespace strait::icmp
