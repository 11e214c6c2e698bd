#pragma once
// HMAC-BLAKE2s (RFC 2104 with HASH = BLAKE2s-256, block size 64 bytes), as
// Noise defines HMAC-HASH. The message is given as a list of parts that are
// hashed in order, so callers need not concatenate secrets into buffers.

#include <cstdint>
#include <initializer_list>
#include <span>

#include "exchange/blake2s.hpp"

namespace strait::exchange {

void hmac_blake2s(std::span<const std::uint8_t> key,
                  std::initializer_list<std::span<const std::uint8_t>> message,
                  std::span<std::uint8_t, kHashSize> out) noexcept;

}  // namespace strait::exchange
