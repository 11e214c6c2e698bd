#pragma once
// Anti-replay window with 64-bit extended sequence numbers: seq_hi is
// reconstructed from the low 32 bits carried in the packet (RFC 4303
// appendix A2) and accepted numbers are recorded in an RFC 6479 style
// sliding bitmap. The check happens before authentication, the update only
// after it succeeded.

#include <cstdint>

namespace strait::esp {

class ReplayWindow {
 public:
  static constexpr std::uint32_t kSize = 1024;  // packets (PROTOCOL.md: >= 128)

  // The full 64-bit sequence number the packet most plausibly carries, given
  // the low 32 bits on the wire (RFC 4303 A2.2).
  std::uint64_t reconstruct(std::uint32_t seq_lo) const noexcept;
  // True when `seq` is new and inside the window (or ahead of it). Sequence
  // number 0 is never valid (senders start at 1).
  bool check(std::uint64_t seq) const noexcept;
  // Records `seq` as received; call only after the packet authenticated.
  void update(std::uint64_t seq) noexcept;
  std::uint64_t highest() const noexcept { return top_; }

 private:
  static constexpr std::uint32_t kBlockBits = 64;
  // The ring holds twice the window so that the blocks cleared when the top
  // advances never hold a sequence number still inside the window: the
  // window is exactly kSize packets (RFC 6479 with a bigger ring).
  static constexpr std::uint32_t kBlocks = 2 * kSize / kBlockBits;
  static_assert((kBlocks & (kBlocks - 1)) == 0, "ring size must be a power of two");
  std::uint64_t top_ = 0;  // highest sequence number accepted so far
  std::uint64_t bitmap_[kBlocks] = {};
};

// Inline: called for every packet received.

inline std::uint64_t ReplayWindow::reconstruct(std::uint32_t seq_lo) const noexcept {
  const auto top_lo = static_cast<std::uint32_t>(top_);
  auto top_hi = static_cast<std::uint32_t>(top_ >> 32);
  // Lowest low-32-bit value still inside the window (modulo 2^32).
  const std::uint32_t bottom = top_lo - (kSize - 1);
  std::uint32_t seq_hi;
  if (top_lo >= kSize - 1) {
    // Case A: the window lies within one 2^32 subspace; anything below it
    // belongs to the next subspace.
    seq_hi = seq_lo >= bottom ? top_hi : top_hi + 1;
  } else {
    // Case B: the window spans two subspaces; numbers at its upper end
    // (modulo 2^32) belong to the previous one. There is no subspace before
    // the first.
    seq_hi = (seq_lo >= bottom && top_hi != 0) ? top_hi - 1 : top_hi;
  }
  return (static_cast<std::uint64_t>(seq_hi) << 32) | seq_lo;
}

inline bool ReplayWindow::check(std::uint64_t seq) const noexcept {
  if (seq > top_) {
    return true;
  }
  if (seq == 0 || top_ - seq >= kSize) {
    return false;
  }
  const std::uint64_t block = bitmap_[(seq / kBlockBits) & (kBlocks - 1)];
  return ((block >> (seq % kBlockBits)) & 1) == 0;
}

inline void ReplayWindow::update(std::uint64_t seq) noexcept {
  if (seq > top_) {
    const std::uint64_t top_block = top_ / kBlockBits;
    const std::uint64_t advance = seq / kBlockBits - top_block;
    if (advance >= kBlocks) {
      for (auto& block : bitmap_) {
        block = 0;
      }
    } else {
      for (std::uint64_t i = 1; i <= advance; ++i) {
        bitmap_[(top_block + i) & (kBlocks - 1)] = 0;
      }
    }
    top_ = seq;
  } else if (top_ - seq >= kSize) {
    return;  // left of the window: its bit may alias a live one
  }
  bitmap_[(seq / kBlockBits) & (kBlocks - 1)] |= std::uint64_t{1} << (seq % kBlockBits);
}

}  // namespace strait::esp
