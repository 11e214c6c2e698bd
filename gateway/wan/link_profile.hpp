#pragma once
// What one direction of an emulated WAN link does to the frames crossing
// it: a propagation delay with jitter, random loss (independent and bursty),
// reordering, duplication, corruption, a serialization rate and an MTU.
// Named profiles give the lab's usual links. Every probability is 0 to 1;
// an impairment whose probability is 0 takes no random draw at all.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.hpp"

namespace strait::wan {

struct LinkProfile {
  // One-way propagation delay.
  base::Nanoseconds delay = 0;
  // Each frame's delay is delay + a uniform draw in [-jitter, +jitter]
  // (never below zero); frames still leave in arrival order.
  base::Nanoseconds jitter = 0;
  // Probability that a frame is lost, 0 to 1 (while the bursty-loss chain
  // below is in its good state, i.e. always when burst_enter is 0).
  double loss = 0;
  // Bursty loss, a Gilbert-Elliott chain of two states, good (the start)
  // and bad: each frame meets its fate in the current state (lost with
  // `loss` while good, with burst_loss while bad), then the chain moves:
  // good -> bad with burst_enter, bad -> good with burst_leave. Over many
  // frames the share of them in the bad state is
  // burst_enter / (burst_enter + burst_leave). burst_enter 0: no chain.
  double burst_enter = 0;
  double burst_leave = 0;
  double burst_loss = 1;
  // Reordering: with probability `reorder`, a frame departs reorder_delay
  // later than it would have, overtaken by the frames behind it (the other
  // frames keep their order). Either one 0: no reordering.
  double reorder = 0;
  base::Nanoseconds reorder_delay = 0;
  // With this probability a second copy of the frame departs right after
  // it (the same bytes, corruption included; not charged to the rate).
  double duplicate = 0;
  // With this probability one byte of the frame past its 14-byte Ethernet
  // header (drawn uniformly) is XORed with a nonzero value.
  double corrupt = 0;
  // Serialization rate in bit/s of the Ethernet frame; 0: unlimited.
  std::uint64_t rate = 0;
  // Largest IP packet (the frame without its Ethernet header and VLAN
  // tags) the link carries; larger frames are dropped (no ICMP). 0: no
  // limit but the interfaces'.
  std::uint32_t mtu = 0;
  // With a rate: frames that would wait longer than this for the
  // transmitter are dropped (the router queue in front of a slow link).
  base::Nanoseconds max_backlog = 100 * base::kMillisecond;

  bool operator==(const LinkProfile&) const = default;
};

// A link's two directions: a to b and b to a.
struct LinkProfiles {
  LinkProfile a_to_b;
  LinkProfile b_to_a;
};

// "lan": no impairment. "paris-tokyo" (the lab's default): 110 ms one way
// each direction (about 220 ms RTT), 1 ms jitter, no loss, 10 Gbit/s.
// "lossy": 20 ms one way, 2 % loss. All with a 1500-byte MTU.
std::optional<LinkProfile> named_profile(std::string_view name);
// "lan, paris-tokyo, lossy": for usage texts and errors.
std::string_view profile_names() noexcept;
// "delay 110 ms, jitter 1 ms, loss 0 %, rate 10000 Mbit/s, mtu 1500", then
// the impairments set among bursty loss, reordering, duplication and
// corruption: ", burst enter 1 % leave 20 % loss 100 %, reorder 2 % by
// 5 ms, duplicate 1 %, corrupt 0.1 %".
std::string describe(const LinkProfile& profile);

}  // namespace strait::wan
