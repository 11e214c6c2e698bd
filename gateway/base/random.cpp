#include "base/random.hpp"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

namespace strait::base {

std::uint32_t Random::uniform(std::uint32_t upper_bound) {
  if (upper_bound < 2) return 0;
  // Rejection sampling, as randombytes_uniform does, to avoid modulo bias.
  const std::uint32_t min = (0u - upper_bound) % upper_bound;
  std::uint32_t r;
  do {
    std::uint8_t bytes[4];
    fill(bytes);
    std::memcpy(&r, bytes, sizeof r);
  } while (r < min);
  return r % upper_bound;
}

SystemRandom::SystemRandom() {
  if (sodium_init() < 0) std::abort();  // no safe way to continue without a CSPRNG
}

void SystemRandom::fill(std::span<std::uint8_t> out) {
  randombytes_buf(out.data(), out.size());
}

SeededRandom::SeededRandom(std::uint64_t seed) {
  if (sodium_init() < 0) std::abort();
  std::memcpy(seed_, &seed, sizeof seed);
}

void SeededRandom::fill(std::span<std::uint8_t> out) {
  std::uint8_t key[32];
  std::memcpy(key, seed_, sizeof key);
  std::memcpy(key + 24, &counter_, sizeof counter_);
  ++counter_;
  if (out.empty()) return;  // libsodium declares the buffer non-null
  randombytes_buf_deterministic(out.data(), out.size(), key);
}

}  // namespace strait::base
