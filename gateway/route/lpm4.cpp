#include "route/lpm4.hpp"

namespace strait::route {

base::Status Lpm4::insert(std::uint32_t prefix_host_order, std::uint8_t length,
                          std::uint32_t value) {
  const std::uint8_t bytes[4] = {
      static_cast<std::uint8_t>(prefix_host_order >> 24),
      static_cast<std::uint8_t>(prefix_host_order >> 16),
      static_cast<std::uint8_t>(prefix_host_order >> 8),
      static_cast<std::uint8_t>(prefix_host_order),
  };
  return trie_.insert(bytes, length, value);
}

base::Status Lpm4::insert(const net::Prefix& prefix, std::uint32_t value) {
  if (prefix.address.family != net::Family::kIpv4) {
    return base::Error{"IPv6 prefix " + prefix.to_string() + " in an IPv4 route table"};
  }
  return trie_.insert(prefix.address.data(), prefix.length, value);
}

}  // namespace strait::route
