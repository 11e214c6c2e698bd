#pragma once
// Reads an IPv4 address stored in network byte order (e.g. at offset 16 of an
// IPv4 header for the destination) as a host-order integer, the key Lpm4
// takes. Unaligned reads are fine; compiles to a load and a byte swap.

#include <cstdint>

namespace strait::route {

inline std::uint32_t load_ipv4_host_order(const std::uint8_t* network_order) noexcept {
  return (std::uint32_t{network_order[0]} << 24) | (std::uint32_t{network_order[1]} << 16) |
         (std::uint32_t{network_order[2]} << 8) | std::uint32_t{network_order[3]};
}

}  // namespace strait::route
