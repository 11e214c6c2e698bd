#pragma once
// A fixed set of equally sized frames and their free list. Allocation and
// release are lock-free (a bounded multi-producer multi-consumer ring of
// frame indices), so a frame may be released on another thread than the one
// that allocated it (the benchmark's traffic generator runs on its own
// thread).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/result.hpp"
#include "io/packet.hpp"

namespace strait::io {

class FramePool {
 public:
  // frame_size includes the 64-byte descriptor; count is rounded up to a
  // power of two.
  static base::Result<std::unique_ptr<FramePool>> create(std::size_t frame_size, std::size_t count);
  ~FramePool();
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // A packet of length 0 with kDefaultHeadroom, or nullptr when exhausted.
  Packet* allocate() noexcept;
  void release(Packet* packet) noexcept;
  std::size_t allocate_batch(Packet** out, std::size_t n) noexcept;
  void release_batch(Packet* const* packets, std::size_t n) noexcept;
  // Up to n free frames by index, taken with one atomic step per run of
  // ready cells and without touching the frames themselves (for rings that
  // name frames by offset, as AF_XDP's fill ring does: the frames' cache
  // lines stay cold until the kernel writes them). A frame taken this way
  // has stale data / length until its backend sets them.
  std::size_t take_indices(std::uint32_t* out, std::size_t n) noexcept;
  // Gives back frames by index (what take_indices or allocate gave).
  void return_indices(const std::uint32_t* indices, std::size_t n) noexcept;

  std::size_t frame_size() const noexcept { return frame_size_; }
  std::size_t count() const noexcept { return count_; }
  std::size_t available() const noexcept;
  // Largest frame (Ethernet header onwards) a packet can hold with the
  // default headroom.
  std::size_t max_frame_length() const noexcept {
    return frame_size_ - sizeof(Packet) - kDefaultHeadroom;
  }
  std::uint8_t* memory() noexcept { return memory_; }

 private:
  FramePool(std::uint8_t* memory, std::size_t frame_size, std::size_t count);
  Packet* frame(std::uint32_t index) noexcept {
    return reinterpret_cast<Packet*>(memory_ + static_cast<std::size_t>(index) * frame_size_);
  }
  void push(std::uint32_t index) noexcept;
  bool pop(std::uint32_t& index) noexcept;

  struct Cell {
    std::atomic<std::uint64_t> sequence;
    std::uint32_t index;
  };

  std::uint8_t* memory_;
  std::size_t frame_size_;
  std::size_t count_;
  std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<std::uint64_t> enqueue_{0};
  alignas(64) std::atomic<std::uint64_t> dequeue_{0};
};

}  // namespace strait::io
