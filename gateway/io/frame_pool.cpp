#include "io/frame_pool.hpp"

#include <sys/mman.h>

#include <bit>
#include <cstring>

namespace strait::io {

base::Result<std::unique_ptr<FramePool>> FramePool::create(std::size_t frame_size,
                                                           std::size_t count) {
  if (frame_size < sizeof(Packet) + kDefaultHeadroom + 64 || frame_size % 64 != 0)
    return base::Error{"frame size must be a multiple of 64 and hold at least 64 data bytes"};
  if (count == 0 || count > (1u << 24)) return base::Error{"frame count out of range"};
  count = std::bit_ceil(count);
  const std::size_t bytes = frame_size * count;
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED)
    return base::Error{"cannot map " + std::to_string(bytes) +
                       " bytes of packet memory: " + std::strerror(errno)};
  return std::unique_ptr<FramePool>(
      new FramePool(static_cast<std::uint8_t*>(memory), frame_size, count));
}

FramePool::FramePool(std::uint8_t* memory, std::size_t frame_size, std::size_t count)
    : memory_(memory),
      frame_size_(frame_size),
      count_(count),
      mask_(count - 1),
      cells_(new Cell[count]) {
  for (std::size_t i = 0; i < count; ++i) {
    cells_[i].sequence.store(i, std::memory_order_relaxed);
    Packet* p = frame(static_cast<std::uint32_t>(i));
    p->index = static_cast<std::uint32_t>(i);
    p->pool = this;
    p->end = reinterpret_cast<std::uint8_t*>(p) + frame_size;
    p->address = static_cast<std::uint64_t>(i) * frame_size;
    push(static_cast<std::uint32_t>(i));
  }
}

FramePool::~FramePool() {
  munmap(memory_, frame_size_ * count_);
}

// Bounded MPMC ring (Vyukov): each cell's sequence tells whether it is ready
// for the next producer or consumer lap.
void FramePool::push(std::uint32_t index) noexcept {
  std::uint64_t pos = enqueue_.load(std::memory_order_relaxed);
  for (;;) {
    Cell& cell = cells_[pos & mask_];
    const std::uint64_t seq = cell.sequence.load(std::memory_order_acquire);
    const auto diff = static_cast<std::int64_t>(seq - pos);
    if (diff == 0) {
      if (enqueue_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        cell.index = index;
        cell.sequence.store(pos + 1, std::memory_order_release);
        return;
      }
    } else {
      // diff < 0: the consumer that took this cell one lap ago has not
      // published it yet. The ring holds all count_ frames, so it is never
      // really full: reload and retry until that consumer finishes.
      pos = enqueue_.load(std::memory_order_relaxed);
    }
  }
}

bool FramePool::pop(std::uint32_t& index) noexcept {
  std::uint64_t pos = dequeue_.load(std::memory_order_relaxed);
  for (;;) {
    Cell& cell = cells_[pos & mask_];
    const std::uint64_t seq = cell.sequence.load(std::memory_order_acquire);
    const auto diff = static_cast<std::int64_t>(seq - (pos + 1));
    if (diff == 0) {
      if (dequeue_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
        index = cell.index;
        cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
        return true;
      }
    } else if (diff < 0) {
      return false;  // empty
    } else {
      pos = dequeue_.load(std::memory_order_relaxed);
    }
  }
}

Packet* FramePool::allocate() noexcept {
  std::uint32_t index;
  if (!pop(index)) return nullptr;
  Packet* p = frame(index);
  p->data = p->buffer_start() + kDefaultHeadroom;
  p->length = 0;
  return p;
}

void FramePool::release(Packet* packet) noexcept {
  push(packet->index);
}

std::size_t FramePool::take_indices(std::uint32_t* out, std::size_t n) noexcept {
  std::uint64_t pos = dequeue_.load(std::memory_order_relaxed);
  for (;;) {
    // The run of cells from pos that producers have published.
    std::size_t ready = 0;
    for (; ready < n; ++ready)
      if (cells_[(pos + ready) & mask_].sequence.load(std::memory_order_acquire) != pos + ready + 1)
        break;
    if (ready == 0) {
      const std::uint64_t seq = cells_[pos & mask_].sequence.load(std::memory_order_acquire);
      if (static_cast<std::int64_t>(seq - (pos + 1)) < 0) return 0;  // empty
      pos = dequeue_.load(std::memory_order_relaxed);                // another consumer was faster
      continue;
    }
    // Claim the run at once; the cells stay ours until their sequence moves
    // on a lap, so reading their indices after the claim is safe.
    if (dequeue_.compare_exchange_weak(pos, pos + ready, std::memory_order_relaxed)) {
      for (std::size_t i = 0; i < ready; ++i) {
        Cell& cell = cells_[(pos + i) & mask_];
        out[i] = cell.index;
        cell.sequence.store(pos + i + mask_ + 1, std::memory_order_release);
      }
      return ready;
    }
  }
}

void FramePool::return_indices(const std::uint32_t* indices, std::size_t n) noexcept {
  std::uint64_t pos = enqueue_.load(std::memory_order_relaxed);
  while (n != 0) {
    std::size_t free = 0;
    for (; free < n; ++free)
      if (cells_[(pos + free) & mask_].sequence.load(std::memory_order_acquire) != pos + free)
        break;
    if (free == 0) {
      // As in push(): a consumer a lap behind has not published its cell
      // yet, or another producer was faster. Reload and retry.
      pos = enqueue_.load(std::memory_order_relaxed);
      continue;
    }
    if (enqueue_.compare_exchange_weak(pos, pos + free, std::memory_order_relaxed)) {
      for (std::size_t i = 0; i < free; ++i) {
        Cell& cell = cells_[(pos + i) & mask_];
        cell.index = indices[i];
        cell.sequence.store(pos + i + 1, std::memory_order_release);
      }
      indices += free;
      n -= free;
      pos = enqueue_.load(std::memory_order_relaxed);
    }
  }
}

std::size_t FramePool::allocate_batch(Packet** out, std::size_t n) noexcept {
  constexpr std::size_t kChunk = 64;
  std::size_t done = 0;
  while (done < n) {
    std::uint32_t indices[kChunk];
    const std::size_t want = n - done < kChunk ? n - done : kChunk;
    const std::size_t got = take_indices(indices, want);
    for (std::size_t i = 0; i < got; ++i) {
      Packet* p = frame(indices[i]);
      p->data = p->buffer_start() + kDefaultHeadroom;
      p->length = 0;
      out[done + i] = p;
    }
    done += got;
    if (got < want) break;
  }
  return done;
}

void FramePool::release_batch(Packet* const* packets, std::size_t n) noexcept {
  constexpr std::size_t kChunk = 64;
  while (n != 0) {
    std::uint32_t indices[kChunk];
    const std::size_t k = n < kChunk ? n : kChunk;
    for (std::size_t i = 0; i < k; ++i)
      indices[i] = packets[i]->index;
    return_indices(indices, k);
    packets += k;
    n -= k;
  }
}

std::size_t FramePool::available() const noexcept {
  const auto e = enqueue_.load(std::memory_order_acquire);
  const auto d = dequeue_.load(std::memory_order_acquire);
  return static_cast<std::size_t>(e - d);
}

}  // namespace strait::io
