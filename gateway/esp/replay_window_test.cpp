#define BOOST_TEST_MODULE replay_window
#include "esp/replay_window.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>

using strait::esp::ReplayWindow;

namespace {

constexpr std::uint64_t kTwo32 = std::uint64_t{1} << 32;
constexpr std::uint64_t W = ReplayWindow::kSize;

// What the receiver does with an authentic packet: reconstruct, check, and
// update only if accepted. Returns the acceptance.
bool receive(ReplayWindow& window, std::uint64_t seq) {
  const std::uint64_t full = window.reconstruct(static_cast<std::uint32_t>(seq));
  BOOST_TEST(full == seq);
  if (!window.check(full)) return false;
  window.update(full);
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(window_is_at_least_128_packets) {
  BOOST_TEST(ReplayWindow::kSize >= 128u);
  // And the whole advertised size is usable: the oldest number still inside
  // is accepted once, the one before is not.
  ReplayWindow window;
  window.update(5000);
  BOOST_TEST(window.check(5000 - W + 1));
  BOOST_TEST(!window.check(5000 - W));
  window.update(5000 - W + 1);
  BOOST_TEST(!window.check(5000 - W + 1));
}

BOOST_AUTO_TEST_CASE(in_order_sequence_is_accepted) {
  ReplayWindow window;
  BOOST_TEST(window.highest() == 0u);
  for (std::uint64_t seq = 1; seq <= 5000; ++seq) {
    BOOST_TEST_REQUIRE(receive(window, seq));
    BOOST_TEST_REQUIRE(window.highest() == seq);
  }
}

BOOST_AUTO_TEST_CASE(sequence_zero_is_never_valid) {
  ReplayWindow window;
  BOOST_TEST(!window.check(0));
  window.update(10);
  BOOST_TEST(!window.check(0));
}

BOOST_AUTO_TEST_CASE(duplicates_are_rejected) {
  ReplayWindow window;
  for (std::uint64_t seq = 1; seq <= 300; ++seq)
    BOOST_TEST_REQUIRE(receive(window, seq));
  for (std::uint64_t seq = 1; seq <= 300; ++seq) {
    if (300 - seq < W) BOOST_TEST_REQUIRE(!window.check(seq));
  }
  BOOST_TEST(window.check(301));
}

BOOST_AUTO_TEST_CASE(out_of_order_inside_the_window_is_accepted_once) {
  constexpr std::uint64_t top = 3000;
  ReplayWindow window;
  BOOST_TEST(receive(window, top));
  // Every other number below the top, in descending order, then the rest.
  for (std::uint64_t seq = top - 1; seq > top - W; seq -= 2)
    BOOST_TEST_REQUIRE(receive(window, seq));
  for (std::uint64_t seq = top - 2; seq > top - W; seq -= 2)
    BOOST_TEST_REQUIRE(receive(window, seq));
  for (std::uint64_t seq = 1; seq <= top; ++seq)
    BOOST_TEST_REQUIRE(!window.check(seq));
  BOOST_TEST(window.highest() == top);
  // A gap left by a jump is fillable exactly once.
  BOOST_TEST(receive(window, top + 10));
  BOOST_TEST(window.check(top + 5));
  BOOST_TEST(receive(window, top + 5));
  BOOST_TEST(!window.check(top + 5));
  BOOST_TEST(window.check(top + 4));
  BOOST_TEST(window.highest() == top + 10);
}

BOOST_AUTO_TEST_CASE(left_of_the_window_is_rejected) {
  ReplayWindow window;
  window.update(10 * W);
  BOOST_TEST(!window.check(9 * W));  // exactly W behind
  BOOST_TEST(!window.check(1));
  BOOST_TEST(window.check(9 * W + 1));
  // Updating with a number left of the window (never done after a failed
  // check, but harmless) must not mark a live number as seen.
  window.update(9 * W - 3 * 64);
  for (std::uint64_t seq = 9 * W + 1; seq < 10 * W; ++seq)
    BOOST_TEST_REQUIRE(window.check(seq));
}

BOOST_AUTO_TEST_CASE(big_jumps_forward_clear_the_bitmap) {
  ReplayWindow window;
  for (std::uint64_t seq = 1; seq <= 2 * W; ++seq)
    window.update(seq);
  // Jumps of every size relative to the ring: within a block, one block,
  // half, the whole window, far beyond.
  std::uint64_t top = 2 * W;
  const std::uint64_t jumps[] = {1, 63, 64, 65, W / 2, W - 1, W, W + 1, 2 * W, 3 * W + 7, 1000000};
  for (const std::uint64_t jump : jumps) {
    top += jump;
    BOOST_TEST_REQUIRE(window.check(top));
    window.update(top);
    BOOST_TEST_REQUIRE(window.highest() == top);
    BOOST_TEST_REQUIRE(!window.check(top));
    // Everything skipped over that is still inside the window is fresh.
    for (std::uint64_t seq = top - std::min(jump, W) + 1; seq < top; ++seq) {
      if (top - seq < W) BOOST_TEST_REQUIRE(window.check(seq));
    }
  }
  // Back-fill the whole window after the last jump, then it is all seen.
  for (std::uint64_t seq = top - W + 1; seq < top; ++seq)
    window.update(seq);
  for (std::uint64_t seq = top - W + 1; seq <= top; ++seq)
    BOOST_TEST_REQUIRE(!window.check(seq));
}

BOOST_AUTO_TEST_CASE(stale_bits_never_survive_the_ring) {
  // Mark every number, advance by one block at a time: no number that is
  // new may ever be reported as seen (aliasing in the ring).
  ReplayWindow window;
  std::uint64_t top = 0;
  for (int round = 0; round < 200; ++round) {
    for (std::uint64_t seq = top + 1; seq <= top + 37; ++seq) {
      BOOST_TEST_REQUIRE(window.check(seq));
      window.update(seq);
    }
    top += 37;
  }
  BOOST_TEST(window.highest() == top);
}

BOOST_AUTO_TEST_CASE(reconstruct_case_a_window_inside_one_subspace) {
  // RFC 4303 A2.2 case A: Tl >= W - 1.
  ReplayWindow window;
  window.update(5 * kTwo32 + 100000);
  BOOST_TEST(window.reconstruct(100000) == 5 * kTwo32 + 100000);
  BOOST_TEST(window.reconstruct(100001) == 5 * kTwo32 + 100001);
  BOOST_TEST(window.reconstruct(0xffffffffu) == 5 * kTwo32 + 0xffffffffu);
  BOOST_TEST(window.reconstruct(static_cast<std::uint32_t>(100000 - W + 1)) ==
             5 * kTwo32 + 100000 - W + 1);  // bottom of the window
  // Below the window: taken to be the next subspace.
  BOOST_TEST(window.reconstruct(static_cast<std::uint32_t>(100000 - W)) == 6 * kTwo32 + 100000 - W);
  BOOST_TEST(window.reconstruct(0) == 6 * kTwo32);
}

BOOST_AUTO_TEST_CASE(reconstruct_case_a_at_the_boundary) {
  ReplayWindow window;
  window.update(2 * kTwo32 + W - 1);  // Tl == W - 1: case A, bottom is 0
  BOOST_TEST(window.reconstruct(0) == 2 * kTwo32);
  BOOST_TEST(window.reconstruct(0xffffffffu) == 2 * kTwo32 + 0xffffffffu);
}

BOOST_AUTO_TEST_CASE(reconstruct_case_b_window_spans_two_subspaces) {
  // RFC 4303 A2.2 case B: Tl < W - 1, the window reaches back into the
  // previous subspace.
  ReplayWindow window;
  window.update(3 * kTwo32 + 10);
  BOOST_TEST(window.reconstruct(10) == 3 * kTwo32 + 10);
  BOOST_TEST(window.reconstruct(11) == 3 * kTwo32 + 11);
  BOOST_TEST(window.reconstruct(0) == 3 * kTwo32);
  BOOST_TEST(window.reconstruct(0x80000000u) == 3 * kTwo32 + 0x80000000u);  // far ahead
  BOOST_TEST(window.reconstruct(0xffffffffu) == 2 * kTwo32 + 0xffffffffu);  // just behind
  const auto bottom = static_cast<std::uint32_t>(std::uint64_t{10} - W + 1 + kTwo32);
  BOOST_TEST(window.reconstruct(bottom) == 2 * kTwo32 + bottom);
  BOOST_TEST(window.reconstruct(bottom - 1) == 3 * kTwo32 + bottom - 1);
}

BOOST_AUTO_TEST_CASE(reconstruct_in_the_first_subspace_never_underflows) {
  ReplayWindow window;  // top = 0: case B with no previous subspace
  BOOST_TEST(window.reconstruct(1) == 1u);
  BOOST_TEST(window.reconstruct(0xffffffffu) == 0xffffffffu);
  window.update(5);
  BOOST_TEST(window.reconstruct(0xfffffff0u) == 0xfffffff0u);
}

BOOST_AUTO_TEST_CASE(rollover_across_two_to_the_32_forward) {
  // Sender crosses 2^32 while the receiver's top is just below it.
  ReplayWindow window;
  for (std::uint64_t seq = kTwo32 - 50; seq < kTwo32 + 50; ++seq) {
    BOOST_TEST_REQUIRE(receive(window, seq));
  }
  BOOST_TEST(window.highest() == kTwo32 + 49);
  // Jump from below 2^32 to above it in one step, carried as low bits only.
  ReplayWindow jumper;
  jumper.update(kTwo32 - 3);
  BOOST_TEST(jumper.reconstruct(7) == kTwo32 + 7);
  BOOST_TEST(receive(jumper, kTwo32 + 7));
}

BOOST_AUTO_TEST_CASE(rollover_across_two_to_the_32_backward) {
  // Top already above 2^32; late packets from below 2^32 are reconstructed
  // into the previous subspace, accepted once if inside the window.
  ReplayWindow window;
  for (std::uint64_t seq = kTwo32 - 40; seq < kTwo32 + 40; seq += 2) {
    BOOST_TEST_REQUIRE(receive(window, seq));
  }
  for (std::uint64_t seq = kTwo32 - 39; seq < kTwo32 + 40; seq += 2) {
    BOOST_TEST_REQUIRE(receive(window, seq));  // the odd ones, late
  }
  for (std::uint64_t seq = kTwo32 - 40; seq < kTwo32 + 40; ++seq) {
    BOOST_TEST_REQUIRE(window.reconstruct(static_cast<std::uint32_t>(seq)) == seq);
    BOOST_TEST_REQUIRE(!window.check(seq));
  }
  // Left of the window, across the boundary: rejected.
  const std::uint64_t top = window.highest();
  BOOST_TEST(window.reconstruct(static_cast<std::uint32_t>(top - W + 1)) == top - W + 1);
  BOOST_TEST(window.check(top - W + 1));
  BOOST_TEST(!window.check(top - W));
}
