#pragma once
// Single-producer single-consumer ring of packet pointers: one direction of
// an in-memory wire. Lock-free; safe with the producer and the consumer on
// different threads.

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "io/packet.hpp"

namespace strait::io {

class SpscRing {
 public:
  explicit SpscRing(std::size_t capacity)
      : mask_(std::bit_ceil(capacity) - 1), slots_(new Packet*[mask_ + 1]) {}

  // Pushes a prefix of packets; returns how many fit.
  std::size_t push(Packet* const* packets, std::size_t n) noexcept {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    const std::uint64_t tail = tail_.load(std::memory_order_acquire);
    const std::size_t room = mask_ + 1 - static_cast<std::size_t>(head - tail);
    if (n > room) n = room;
    for (std::size_t i = 0; i < n; ++i)
      slots_[(head + i) & mask_] = packets[i];
    head_.store(head + n, std::memory_order_release);
    return n;
  }

  std::size_t pop(Packet** out, std::size_t n) noexcept {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    const std::uint64_t head = head_.load(std::memory_order_acquire);
    const std::size_t ready = static_cast<std::size_t>(head - tail);
    if (n > ready) n = ready;
    for (std::size_t i = 0; i < n; ++i)
      out[i] = slots_[(tail + i) & mask_];
    tail_.store(tail + n, std::memory_order_release);
    return n;
  }

  std::size_t size() const noexcept {
    return static_cast<std::size_t>(head_.load(std::memory_order_acquire) -
                                    tail_.load(std::memory_order_acquire));
  }
  std::size_t capacity() const noexcept { return mask_ + 1; }

 private:
  std::size_t mask_;
  std::unique_ptr<Packet*[]> slots_;
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
};

}  // namespace strait::io
