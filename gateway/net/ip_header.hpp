#pragma once
// Writing the IP header of a UDP datagram the gateway originates (the key
// exchange's datagrams, ESP in UDP): one place for the fields every such
// header has.

#include <cstddef>
#include <cstdint>

#include "net/address.hpp"

namespace strait::net {

// Writes at `ip` an IPv4 (20 bytes, no options) or IPv6 (40 bytes) header
// of `source`'s family for `payload_length` bytes of `protocol`, from
// `source` to `destination` (bytes of the same family): TTL / hop limit
// 64, traffic class and flow label 0; IPv4: identification 0, DF if
// `dont_fragment`, the header checksum. Returns the header's length.
std::size_t write_ip_header(std::uint8_t* ip, const Address& source,
                            const std::uint8_t* destination, std::uint8_t protocol,
                            std::size_t payload_length, bool dont_fragment) noexcept;

}  // namespace strait::net
