#include "esp/replay_window.hpp"

namespace strait::esp {

std::uint64_t ReplayWindow::reconstruct(std::uint32_t seq_lo) const noexcept {
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

bool ReplayWindow::check(std::uint64_t seq) const noexcept {
  if (seq > top_) {
    return true;
  }
  if (seq == 0 || top_ - seq >= kSize) {
    return false;
  }
  const std::uint64_t block = bitmap_[(seq / kBlockBits) & (kBlocks - 1)];
  return ((block >> (seq % kBlockBits)) & 1) == 0;
}

void ReplayWindow::update(std::uint64_t seq) noexcept {
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
