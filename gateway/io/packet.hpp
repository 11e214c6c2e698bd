#pragma once
// A packet is a frame owned by a FramePool: its descriptor sits at the start
// of the frame, followed by headroom and the data. Stages move `data` back
// (encapsulation) or forward (decapsulation) in place; nothing is copied.
// The same layout fits an AF_XDP UMEM frame whose headroom holds the
// descriptor.

#include <cstddef>
#include <cstdint>

namespace strait::io {

class FramePool;

struct alignas(64) Packet {
  std::uint8_t* data;     // first byte of the Ethernet frame
  std::uint32_t length;   // bytes from data
  std::uint32_t index;    // frame index inside its pool
  FramePool* pool;        // owner; release through it
  std::uint8_t* end;      // one past the last usable byte of the frame
  std::uint64_t address;  // backend address of the frame (UMEM offset)
  std::uint32_t route;    // scratch between stages: the route chosen by the router

  std::uint8_t* buffer_start() noexcept { return reinterpret_cast<std::uint8_t*>(this + 1); }
  std::size_t headroom() noexcept { return static_cast<std::size_t>(data - buffer_start()); }
  std::size_t tailroom() noexcept { return static_cast<std::size_t>(end - (data + length)); }
};

static_assert(sizeof(Packet) == 64);

// Room before the data of a freshly received packet: enough for the outer
// IPv6 + ESP headers pushed by encapsulation.
constexpr std::size_t kDefaultHeadroom = 128;

}  // namespace strait::io
