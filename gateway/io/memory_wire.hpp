#pragma once
// The in-memory wire: two MemoryPorts joined by a pair of SPSC rings, frames
// drawn from one shared FramePool. Used by tests, the benchmark and the
// simulator. A port may also be wired to itself (loopback).

#include <initializer_list>
#include <memory>
#include <utility>

#include "io/frame_pool.hpp"
#include "io/port.hpp"
#include "io/spsc_ring.hpp"

namespace strait::io {

class MemoryPort final : public Port {
 public:
  MemoryPort(FramePool& pool, SpscRing& rx, SpscRing& tx) : pool_(pool), rx_(rx), tx_(tx) {}

  Packet* allocate() noexcept override { return pool_.allocate(); }
  void release(Packet* packet) noexcept override { packet->pool->release(packet); }
  std::size_t max_frame_length() const noexcept override { return pool_.max_frame_length(); }

  // Packets waiting to be received by this port.
  std::size_t pending() const noexcept { return rx_.size(); }
  // Room left on the way out (transmissions beyond it are dropped).
  std::size_t transmit_room() const noexcept { return tx_.capacity() - tx_.size(); }

 protected:
  std::size_t do_receive(std::span<Packet*> out) noexcept override {
    return rx_.pop(out.data(), out.size());
  }
  std::size_t do_transmit(std::span<Packet* const> packets) noexcept override {
    return tx_.push(packets.data(), packets.size());
  }

 private:
  FramePool& pool_;
  SpscRing& rx_;
  SpscRing& tx_;
};

// Owns the rings and both ends.
class MemoryWire {
 public:
  MemoryWire(FramePool& pool, std::size_t ring_capacity = 1024)
      : a_to_b_(ring_capacity),
        b_to_a_(ring_capacity),
        a_(pool, b_to_a_, a_to_b_),
        b_(pool, a_to_b_, b_to_a_) {}
  MemoryPort& a() { return a_; }
  MemoryPort& b() { return b_; }
  // Releases whatever waits at either end (before the pool goes).
  void release_waiting() noexcept {
    Packet* batch[64];
    for (MemoryPort* end : {&a_, &b_})
      while (const std::size_t n = end->receive(batch))
        for (std::size_t i = 0; i < n; ++i)
          end->release(batch[i]);
  }

 private:
  SpscRing a_to_b_;
  SpscRing b_to_a_;
  MemoryPort a_;
  MemoryPort b_;
};

// A port whose transmissions come back to itself.
class MemoryLoopback {
 public:
  MemoryLoopback(FramePool& pool, std::size_t ring_capacity = 1024)
      : ring_(ring_capacity), port_(pool, ring_, ring_) {}
  MemoryPort& port() { return port_; }

 private:
  SpscRing ring_;
  MemoryPort port_;
};

}  // namespace strait::io
