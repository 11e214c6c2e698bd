#pragma once
// The benchmark's wires: ports over SPSC rings of one frame pool, like
// io::MemoryPort, with an inspector that sees every packet a port
// transmits, in order, before it goes on the wire (the check of the ESP
// packets on the public loop, and the test hooks that corrupt, rewrite or
// drop one packet).

#include <cstddef>
#include <span>

#include "io/frame_pool.hpp"
#include "io/port.hpp"
#include "io/spsc_ring.hpp"

namespace strait::bench {

class Inspector {
 public:
  static constexpr std::size_t kKeepAll = ~std::size_t{0};
  virtual ~Inspector() = default;
  // Sees (and may alter) packets on their way out; returns the index of
  // one to drop instead of sending, or kKeepAll.
  virtual std::size_t inspect(std::span<io::Packet* const> packets) noexcept = 0;
};

class BenchPort final : public io::Port {
 public:
  BenchPort(io::FramePool& pool, io::SpscRing& rx, io::SpscRing& tx)
      : pool_(pool), rx_(rx), tx_(tx) {}
  void set_inspector(Inspector* inspector) noexcept { inspector_ = inspector; }

  io::Packet* allocate() noexcept override { return pool_.allocate(); }
  void release(io::Packet* packet) noexcept override { packet->pool->release(packet); }
  std::size_t max_frame_length() const noexcept override { return pool_.max_frame_length(); }
  std::size_t pending() const noexcept { return rx_.size(); }
  std::size_t transmit_room() const noexcept { return tx_.capacity() - tx_.size(); }

 protected:
  std::size_t do_receive(std::span<io::Packet*> out) noexcept override {
    return rx_.pop(out.data(), out.size());
  }
  std::size_t do_transmit(std::span<io::Packet* const> packets) noexcept override {
    if (inspector_ != nullptr) [[likely]] {
      const std::size_t drop = inspector_->inspect(packets);
      if (drop < packets.size()) [[unlikely]] {
        // Everything but the dropped one (the rings are sized so that
        // they never fill up in the benchmark; what would not fit is
        // released).
        for (std::size_t i = 0; i < packets.size(); ++i)
          if (i == drop || tx_.push(&packets[i], 1) == 0) release(packets[i]);
        return packets.size();
      }
    }
    return tx_.push(packets.data(), packets.size());
  }

 private:
  io::FramePool& pool_;
  io::SpscRing& rx_;
  io::SpscRing& tx_;
  Inspector* inspector_ = nullptr;
};

// The private LAN: the gateway's end and the hosts' end.
class BenchWire {
 public:
  BenchWire(io::FramePool& pool, std::size_t ring_capacity)
      : to_gateway_(ring_capacity),
        to_host_(ring_capacity),
        gateway_(pool, to_gateway_, to_host_),
        host_(pool, to_host_, to_gateway_) {}
  BenchPort& gateway() noexcept { return gateway_; }
  BenchPort& host() noexcept { return host_; }

 private:
  io::SpscRing to_gateway_;
  io::SpscRing to_host_;
  BenchPort gateway_;
  BenchPort host_;
};

// The public side: what the gateway sends comes back to it.
class BenchLoop {
 public:
  BenchLoop(io::FramePool& pool, std::size_t ring_capacity)
      : ring_(ring_capacity), port_(pool, ring_, ring_) {}
  BenchPort& port() noexcept { return port_; }

 private:
  io::SpscRing ring_;
  BenchPort port_;
};

}  // namespace strait::bench
