#pragma once
// Longest-prefix-match table as a multibit trie with leaf pushing: a 16-bit
// first level (65,536 entries) followed by 8-bit strides. Every entry holds
// either the value of the longest prefix covering it (pushed down at insert
// time) or a link to a child node, so a lookup reads at most one entry per
// level and never backtracks: 3 reads for IPv4, 15 for IPv6.
//
// Entry encoding (32 bits): bit 31 set = link to a child node, whose 256
// entries start at index (entry & kIndexMask) << 8 of the single entry array
// (the root fills indexes 0..65535, i.e. "node" slots 0..255); bit 31 clear =
// a route value, or kNoRoute.
//
// Insertion (control path) allocates; lookup (data path) reads only and is
// noexcept. Tables are not safe to read while being modified: build a new
// table and publish it (swap a pointer) instead of mutating a live one.
// A moved-from table must be clear()ed before it is used again.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/result.hpp"

namespace strait::route {

// Returned by lookups that match no prefix.
constexpr std::uint32_t kNoRoute = 0x7FFF'FFFFu;
// Largest value a route may carry (values are route indices).
constexpr std::uint32_t kMaxRouteValue = kNoRoute - 1;

template <std::size_t kAddressBytes>
class MultibitTrie {
  static_assert(kAddressBytes >= 2);

 public:
  static constexpr std::size_t kAddressBits = kAddressBytes * 8;
  static constexpr std::size_t kLevels = kAddressBytes - 1;  // 16 bits, then 8 per level

  MultibitTrie();

  // prefix: kAddressBytes bytes in network order, host bits zero.
  // Longer prefixes win regardless of insertion order; the same prefix
  // inserted again replaces its value.
  base::Status insert(const std::uint8_t* prefix, std::uint8_t length, std::uint32_t value);
  void clear();
  // Releases spare capacity left by vector growth; call once built.
  void shrink_to_fit();
  std::size_t memory_bytes() const;  // data-path entries plus control-path depth bytes
  std::size_t node_count() const { return (entries_.size() >> 8) - 256; }

  // address: kAddressBytes bytes in network order.
  std::uint32_t lookup(const std::uint8_t* address) const noexcept {
    const std::uint32_t* table = entries_.data();
    std::uint32_t entry = table[(std::size_t{address[0]} << 8) | address[1]];
    for (std::size_t i = 2; i < kAddressBytes; ++i) {
      if ((entry & kChildFlag) == 0) return entry;
      entry = table[(std::size_t{entry & kIndexMask} << 8) | address[i]];
    }
    return entry;
  }

  // IPv4 fast path on a host-order address: always 3 reads (a read not
  // needed goes to entry 0, which stays cached) and no branch on the depth.
  std::uint32_t lookup(std::uint32_t address) const noexcept requires(kAddressBytes == 4) {
    const std::uint32_t* table = entries_.data();
    std::uint32_t entry = table[address >> 16];
    entry = descend(table, entry, (address >> 8) & 0xFFu);
    return descend(table, entry, address & 0xFFu);
  }

 private:
  // Branch-free step: reads the child entry if `entry` links to a child,
  // else re-reads entry 0 and keeps `entry` (no misprediction on depth).
  static std::uint32_t descend(const std::uint32_t* table, std::uint32_t entry,
                               std::uint32_t key) noexcept {
    const std::uint32_t is_child = entry >> 31;
    const std::size_t index =
        ((std::size_t{entry & kIndexMask} << 8) | key) & (0 - std::size_t{is_child});
    const std::uint32_t next = table[index];
    return is_child ? next : entry;
  }

  static constexpr std::uint32_t kChildFlag = 0x8000'0000u;
  static constexpr std::uint32_t kIndexMask = 0x7FFF'FFFFu;
  static constexpr std::size_t kRootEntries = std::size_t{1} << 16;

  std::size_t new_node(std::uint32_t value, std::uint8_t depth);
  void assign(std::size_t index, std::uint32_t value, std::uint8_t length);
  void push_down(std::size_t node_base, std::uint32_t value, std::uint8_t length);

  // entries_[i] is read by lookups; depths_[i] is the length of the prefix
  // whose value entries_[i] holds (0 for none or /0), used only by insert.
  std::vector<std::uint32_t> entries_;
  std::vector<std::uint8_t> depths_;
};

extern template class MultibitTrie<4>;
extern template class MultibitTrie<16>;

}  // namespace strait::route
