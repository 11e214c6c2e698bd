#pragma once
// A link joins two pipeline stages: a bounded batch of packets that one
// stage fills and the next one drains within the same poll. Capacity is
// fixed, so a stage never allocates; the worker sizes receive bursts so
// the links of its poll loop do not overflow, and push() drops (releasing
// the frame) and counts in overflows() if one does. The key-exchange
// thread's link (worker.hpp, kSeparate) holds datagrams across rounds and
// can fill up; the worker reports the sum of its links' overflows as
// link-drops (gateway-state `worker`).

#include <cstddef>
#include <cstdint>
#include <span>

#include "io/frame_pool.hpp"
#include "io/packet.hpp"

namespace strait::io {

class Link {
 public:
  static constexpr std::size_t kCapacity = 512;

  void push(Packet* p) noexcept {
    if (count_ < kCapacity) [[likely]] {
      packets_[count_++] = p;
    } else {
      ++overflows_;
      p->pool->release(p);
    }
  }
  std::span<Packet*> packets() noexcept { return {packets_, count_}; }
  std::size_t size() const noexcept { return count_; }
  bool empty() const noexcept { return count_ == 0; }
  void clear() noexcept { count_ = 0; }
  // Forgets the first n packets (handed on elsewhere), keeping the rest in
  // order.
  void erase_front(std::size_t n) noexcept {
    if (n >= count_) {
      count_ = 0;
      return;
    }
    for (std::size_t i = n; i < count_; ++i)
      packets_[i - n] = packets_[i];
    count_ -= n;
  }
  std::uint64_t overflows() const noexcept { return overflows_; }

 private:
  Packet* packets_[kCapacity];
  std::size_t count_ = 0;
  std::uint64_t overflows_ = 0;
};

}  // namespace strait::io
