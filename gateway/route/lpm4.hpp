#pragma once
// IPv4 longest-prefix-match table (host-order addresses): at most 3 memory
// reads per lookup, whatever the number of routes. See multibit_trie.hpp.

#include <cstddef>
#include <cstdint>

#include "base/result.hpp"
#include "net/address.hpp"
#include "route/multibit_trie.hpp"

namespace strait::route {

class Lpm4 {
 public:
  // Control path (allocates). prefix in host order with host bits zero;
  // length 0..32; value 0..kMaxRouteValue. Same prefix again replaces.
  base::Status insert(std::uint32_t prefix_host_order, std::uint8_t length, std::uint32_t value);
  // Config routes: rejects IPv6 prefixes.
  base::Status insert(const net::Prefix& prefix, std::uint32_t value);

  // Data path. Returns the value of the longest matching prefix or kNoRoute.
  std::uint32_t lookup(std::uint32_t address_host_order) const noexcept {
    return trie_.lookup(address_host_order);
  }
  // kNoRoute for IPv6 addresses.
  std::uint32_t lookup(const net::Address& address) const noexcept {
    return address.family == net::Family::kIpv4 ? trie_.lookup(address.data()) : kNoRoute;
  }

  std::size_t memory_bytes() const { return trie_.memory_bytes(); }
  std::size_t node_count() const { return trie_.node_count(); }
  void clear() { trie_.clear(); }
  void shrink_to_fit() { trie_.shrink_to_fit(); }  // once built: drop spare capacity

 private:
  MultibitTrie<4> trie_;
};

}  // namespace strait::route
