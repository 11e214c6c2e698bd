#include "route/lpm6.hpp"

namespace strait::route {

base::Status Lpm6::insert(const net::Prefix& prefix, std::uint32_t value) {
  if (prefix.address.family != net::Family::kIpv6) {
    return base::Error{"IPv4 prefix " + prefix.to_string() + " in an IPv6 route table"};
  }
  return trie_.insert(prefix.address.data(), prefix.length, value);
}

}  // namespace strait::route
