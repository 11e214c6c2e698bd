#pragma once
// Inbound SPIs of one queue: chosen at random (>= 256, PROTOCOL.md 1) and
// unique among the SAs the queue has installed or is negotiating.

#include <cstdint>
#include <unordered_set>

#include "base/random.hpp"

namespace strait::keymanager {

class SpiAllocator {
 public:
  explicit SpiAllocator(base::Random& random) : random_(random) {}

  std::uint32_t allocate() {
    for (;;) {
      std::uint8_t bytes[4];
      random_.fill(bytes);
      const std::uint32_t spi = (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
                                (std::uint32_t{bytes[2]} << 8) | bytes[3];
      if (spi >= 256 && in_use_.insert(spi).second) return spi;
    }
  }
  void release(std::uint32_t spi) { in_use_.erase(spi); }
  bool in_use(std::uint32_t spi) const { return in_use_.contains(spi); }
  std::size_t size() const { return in_use_.size(); }

 private:
  base::Random& random_;
  std::unordered_set<std::uint32_t> in_use_;
};

}  // namespace strait::keymanager
