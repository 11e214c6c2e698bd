#pragma once
// ICMP error messages the gateway originates: Time Exceeded, Fragmentation
// Needed (IPv4) / Packet Too Big (IPv6). The new packet quotes as much of
// the offending packet as fits in 576 (IPv4, RFC 1812) or 1280 (IPv6, RFC
// 4443) bytes and in the frame it is built in, is sent from `source` to the
// offender's source, and leaves room for an Ethernet header the next hop
// fills in.

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

enum class WriteResult : std::uint8_t {
  kWritten,      // `out` holds the error
  kNotAnswered,  // the offender must not be answered; `out` untouched
  kNoRoom,       // the error does not fit in `out`'s frame; `out` untouched
};

// Writes the error into `out` (a freshly allocated packet) about the IP
// packet at `offender` (offender_length bytes, already validated). `rest` is
// the 32-bit word after the checksum: the next-hop MTU for Fragmentation
// Needed (low 16 bits) and the MTU for Packet Too Big; 0 otherwise.
//
// The error starts at out->data (its Ethernet header) and never goes past
// out->end: the quote shrinks to what the frame holds (RFC 4443 2.4 (c):
// "as much of the invoking packet as possible"). Below the offender's IP
// header and 8 bytes of its payload (RFC 792, RFC 1812 4.3.2.3; the same
// for IPv6, so the sender can tell the flow) the error is not sent:
// kNoRoom.
//
// kNotAnswered when the offender must not be answered (it is itself an
// ICMP error, its source is not a unicast address, it is a non-initial
// IPv4 fragment, or it was sent to a multicast / broadcast address, except
// for Packet Too Big).
WriteResult write_error(io::Packet* out, net::Family family, const std::uint8_t* offender,
                        std::size_t offender_length, ErrorType error, std::uint32_t rest,
                        const net::Address& source) noexcept;

}  // namespace strait::icmp
