#pragma once
// IPv6 longest-prefix-match table (addresses as 16 bytes in network order):
// at most 15 memory reads per lookup, whatever the number of routes. See
// multibit_trie.hpp.

#include <array>
#include <cstddef>
#include <cstdint>

#include "base/result.hpp"
#include "net/address.hpp"
#include "route/multibit_trie.hpp"

namespace strait::route {

class Lpm6 {
 public:
  using Bytes = std::array<std::uint8_t, 16>;

  // Control path (allocates). Host bits zero; length 0..128; value
  // 0..kMaxRouteValue. Same prefix again replaces.
  base::Status insert(const Bytes& prefix, std::uint8_t length, std::uint32_t value) {
    return trie_.insert(prefix.data(), length, value);
  }
  // Config routes: rejects IPv4 prefixes.
  base::Status insert(const net::Prefix& prefix, std::uint32_t value);

  // Data path: address16 points at 16 bytes (e.g. straight into the packet's
  // IPv6 header). Returns the value of the longest matching prefix or kNoRoute.
  std::uint32_t lookup(const std::uint8_t* address16) const noexcept {
    return trie_.lookup(address16);
  }
  std::uint32_t lookup(const Bytes& address) const noexcept { return trie_.lookup(address.data()); }
  // kNoRoute for IPv4 addresses.
  std::uint32_t lookup(const net::Address& address) const noexcept {
    return address.family == net::Family::kIpv6 ? trie_.lookup(address.data()) : kNoRoute;
  }

  std::size_t memory_bytes() const { return trie_.memory_bytes(); }
  std::size_t node_count() const { return trie_.node_count(); }
  void clear() { trie_.clear(); }
  void shrink_to_fit() { trie_.shrink_to_fit(); }  // once built: drop spare capacity

 private:
  MultibitTrie<16> trie_;
};

}  // namespace strait::route
