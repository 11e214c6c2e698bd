#pragma once
// Injectable randomness. Production uses libsodium's CSPRNG; the simulator
// and tests use a seeded deterministic generator.

#include <cstddef>
#include <cstdint>
#include <span>

namespace strait::base {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
  std::uint32_t uniform(std::uint32_t upper_bound);  // [0, upper_bound)
};

// libsodium randombytes_buf (initialises libsodium on first use).
class SystemRandom final : public Random {
 public:
  SystemRandom();
  void fill(std::span<std::uint8_t> out) override;
};

// Deterministic: libsodium's randombytes_buf_deterministic keyed by a seed
// and a running counter. Never use for secrets outside tests/simulation.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed);
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::uint8_t seed_[32] = {};
  std::uint64_t counter_ = 0;
};

}  // namespace strait::base
