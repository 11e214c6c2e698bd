#pragma once
// Which queue of the gateway receives an input frame (conformance/FORMAT.md):
//
// * private side, as RSS spreads a shared interface: IP frames go to queue
//   index (xor of every byte of the source and destination addresses) mod
//   the number of queues, so both directions of a flow meet the same
//   queue; other frames (ARP, unknown ethertypes) to the first queue;
// * public side, as separate interfaces would: the queue whose public MAC
//   is the destination MAC; otherwise (broadcast, multicast, another
//   station) the queue whose public address is the ARP target, the
//   neighbor solicitation's target or the IP destination; otherwise the
//   first queue.
//
// Indexes count queues in order of their id, from 0.

#include <cstddef>
#include <cstdint>
#include <span>

#include "net/address.hpp"

namespace strait::replay {

struct PublicSide {
  net::Mac mac;
  net::Address ip;
};

std::size_t private_queue_index(std::span<const std::uint8_t> frame, std::size_t queues) noexcept;
std::size_t public_queue_index(std::span<const std::uint8_t> frame,
                               std::span<const PublicSide> sides) noexcept;

}  // namespace strait::replay
