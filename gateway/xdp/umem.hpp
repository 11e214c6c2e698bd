#pragma once
// A FramePool's memory registered as an AF_XDP UMEM, and the management of
// the fill and completion rings that move its frames between the pool and
// the kernel.
//
// Layout: every frame starts with its io::Packet descriptor, and the UMEM
// headroom (sizeof(Packet) + kDefaultHeadroom) keeps the kernel off it; the
// kernel writes a received frame after that headroom and its own
// XDP_PACKET_HEADROOM (256 bytes), so a received packet has 384 bytes of
// headroom. Packet::address is the frame's UMEM offset; a descriptor's
// address divided by the frame size is the frame index.
//
// One Umem per worker, shared by all of its XskPorts (on any interfaces),
// each with its own fill and completion ring: see xsk_port.hpp. Ports must
// be destroyed before their Umem, and opened and closed on one thread.

#include <xdp/xsk.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "io/frame_pool.hpp"
#include "io/packet.hpp"

namespace strait::xdp {

struct UmemOptions {
  std::uint32_t fill_size = 2048;        // per port; power of two
  std::uint32_t completion_size = 2048;  // per port; power of two
};

class Umem {
 public:
  // The pool's frame size must be 2048 or 4096 (aligned chunks); its
  // frames are registered in place, nothing is copied.
  static base::Result<std::unique_ptr<Umem>> create(io::FramePool& pool,
                                                    const UmemOptions& options = {});
  ~Umem();
  Umem(const Umem&) = delete;
  Umem& operator=(const Umem&) = delete;

  io::FramePool& pool() noexcept { return pool_; }
  std::uint8_t* base() noexcept { return pool_.memory(); }
  std::size_t frame_size() const noexcept { return pool_.frame_size(); }
  const UmemOptions& options() const noexcept { return options_; }
  xsk_umem* handle() noexcept { return umem_; }

  // The packet whose frame holds UMEM offset `address`; nullptr when out of
  // range.
  io::Packet* packet_at(std::uint64_t address) noexcept {
    const std::uint64_t index = address >> frame_shift_;
    if (index >= pool_.count()) return nullptr;
    return reinterpret_cast<io::Packet*>(pool_.memory() + (index << frame_shift_));
  }
  // A received frame: data at UMEM offset `address`, `length` bytes.
  io::Packet* received(std::uint64_t address, std::uint32_t length) noexcept {
    io::Packet* p = packet_at(address);
    if (p == nullptr) return nullptr;
    p->data = pool_.memory() + address;
    p->length = length;
    return p;
  }
  // UMEM offset of a packet's data.
  std::uint64_t offset_of(const io::Packet* packet) const noexcept {
    return static_cast<std::uint64_t>(packet->data - pool_.memory());
  }
  bool owns(const io::Packet* packet) const noexcept { return packet->pool == &pool_; }

  // Hands free frames of the pool to the kernel through `fill`, up to the
  // ring's free room; returns how many.
  std::size_t refill(xsk_ring_prod& fill) noexcept;
  // Returns the frames the kernel has finished transmitting to the pool;
  // returns how many.
  std::size_t complete(xsk_ring_cons& completion) noexcept;

  // The fill and completion rings libxdp created with the UMEM: they belong
  // to the first socket bound to it.
  xsk_ring_prod& first_fill() noexcept { return first_fill_; }
  xsk_ring_cons& first_completion() noexcept { return first_completion_; }
  // Whether a socket has claimed the first rings (and the UMEM's own fd).
  bool first_claimed() const noexcept { return first_claimed_; }
  void claim_first() noexcept { first_claimed_ = true; }
  // One socket per (interface, queue) and UMEM: claims the pair, false when
  // already taken.
  bool claim_queue(int ifindex, std::uint32_t queue_id);
  void unclaim_queue(int ifindex, std::uint32_t queue_id) noexcept;
  // Registers the memory again with fresh first rings: after the first
  // socket failed to bind (libxdp cannot reuse the UMEM's own socket
  // then). Only while no socket uses the UMEM.
  base::Status reregister();

 private:
  Umem(io::FramePool& pool, const UmemOptions& options);
  base::Status register_memory();

  io::FramePool& pool_;
  UmemOptions options_;
  unsigned frame_shift_ = 0;
  xsk_umem* umem_ = nullptr;
  xsk_ring_prod first_fill_{};
  xsk_ring_cons first_completion_{};
  bool first_claimed_ = false;
  std::vector<std::pair<int, std::uint32_t>> queues_;
};

}  // namespace strait::xdp
