#include "route/multibit_trie.hpp"

#include <string>

namespace strait::route {

namespace {

bool host_bits_zero(const std::uint8_t* prefix, std::size_t bytes, std::size_t length) {
  for (std::size_t i = length / 8; i < bytes; ++i) {
    std::size_t kept = length > i * 8 ? length - i * 8 : 0;  // leading bits of this byte kept
    auto host_mask = static_cast<std::uint8_t>(0xFFu >> kept);
    if ((prefix[i] & host_mask) != 0) return false;
  }
  return true;
}

}  // namespace

template <std::size_t kAddressBytes>
MultibitTrie<kAddressBytes>::MultibitTrie() {
  clear();
}

template <std::size_t kAddressBytes>
void MultibitTrie<kAddressBytes>::clear() {
  entries_.assign(kRootEntries, kNoRoute);
  depths_.assign(kRootEntries, 0);
}

template <std::size_t kAddressBytes>
void MultibitTrie<kAddressBytes>::shrink_to_fit() {
  entries_.shrink_to_fit();
  depths_.shrink_to_fit();
}

template <std::size_t kAddressBytes>
std::size_t MultibitTrie<kAddressBytes>::memory_bytes() const {
  return entries_.capacity() * sizeof(std::uint32_t) + depths_.capacity() * sizeof(std::uint8_t);
}

template <std::size_t kAddressBytes>
base::Status MultibitTrie<kAddressBytes>::insert(const std::uint8_t* prefix, std::uint8_t length,
                                                 std::uint32_t value) {
  if (length > kAddressBits) {
    return base::Error{"prefix length " + std::to_string(length) + " exceeds " +
                       std::to_string(kAddressBits)};
  }
  if (value > kMaxRouteValue) {
    return base::Error{"route value " + std::to_string(value) + " out of range"};
  }
  if (!host_bits_zero(prefix, kAddressBytes, length)) {
    return base::Error{"prefix has host bits set"};
  }

  std::size_t base = 0;  // first entry index of the node at the current level
  for (std::size_t level = 0; level < kLevels; ++level) {
    const std::size_t end = 16 + 8 * level;  // address bits consumed after this level
    const std::size_t key =
        level == 0 ? (std::size_t{prefix[0]} << 8) | prefix[1] : std::size_t{prefix[level + 1]};
    if (length <= end) {
      // Controlled prefix expansion: the prefix covers 2^(end - length)
      // consecutive entries of this node (its host bits in key are zero).
      const std::size_t count = std::size_t{1} << (end - length);
      for (std::size_t i = key; i < key + count; ++i)
        assign(base + i, value, length);
      return base::Ok{};
    }
    const std::size_t index = base + key;
    if ((entries_[index] & kChildFlag) == 0) {
      const std::size_t slot = new_node(entries_[index], depths_[index]);
      entries_[index] = kChildFlag | static_cast<std::uint32_t>(slot);
    }
    base = std::size_t{entries_[index] & kIndexMask} << 8;
  }
  return base::Ok{};  // unreachable: the last level ends at kAddressBits
}

template <std::size_t kAddressBytes>
std::size_t MultibitTrie<kAddressBytes>::new_node(std::uint32_t value, std::uint8_t depth) {
  // A slot needs 31 bits only beyond 2^31 nodes (512 GiB): allocation fails first.
  const std::size_t slot = entries_.size() >> 8;
  entries_.resize(entries_.size() + 256, value);
  depths_.resize(depths_.size() + 256, depth);
  return slot;
}

template <std::size_t kAddressBytes>
void MultibitTrie<kAddressBytes>::assign(std::size_t index, std::uint32_t value,
                                         std::uint8_t length) {
  const std::uint32_t entry = entries_[index];
  if ((entry & kChildFlag) != 0) {
    push_down(std::size_t{entry & kIndexMask} << 8, value, length);
  } else if (depths_[index] <= length) {  // never override a longer prefix
    entries_[index] = value;
    depths_[index] = length;
  }
}

template <std::size_t kAddressBytes>
void MultibitTrie<kAddressBytes>::push_down(std::size_t node_base, std::uint32_t value,
                                            std::uint8_t length) {
  for (std::size_t i = 0; i < 256; ++i)
    assign(node_base + i, value, length);
}

template class MultibitTrie<4>;
template class MultibitTrie<16>;

}  // namespace strait::route
