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

}  // namespace strait::esp
