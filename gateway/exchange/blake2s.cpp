#include "exchange/blake2s.hpp"

#include <sodium.h>

namespace strait::exchange {

Blake2s::Blake2s() noexcept {
  blake2s_init(&state_, kHashSize);
}

Blake2s::~Blake2s() {
  sodium_memzero(&state_, sizeof state_);
}

Blake2s& Blake2s::update(std::span<const std::uint8_t> bytes) noexcept {
  blake2s_update(&state_, bytes.data(), bytes.size());
  return *this;
}

void Blake2s::final(std::span<std::uint8_t, kHashSize> out) noexcept {
  blake2s_final(&state_, out.data(), out.size());
}

void blake2s_256(std::span<const std::uint8_t> bytes,
                 std::span<std::uint8_t, kHashSize> out) noexcept {
  blake2s(out.data(), bytes.data(), nullptr, out.size(), bytes.size(), 0);
}

}  // namespace strait::exchange
