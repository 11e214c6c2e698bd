#pragma once
// X25519 (RFC 7748), the Noise DH of vita-ske: a thin layer over libsodium's
// crypto_scalarmult. Secret keys are 32 random bytes (clamped by X25519).

#include <cstddef>
#include <cstdint>
#include <span>

namespace strait::exchange {

inline constexpr std::size_t kKeySize = 32;  // DHLEN, public and secret keys

// public_key = X25519(secret_key, 9). False if the result is all zero
// (impossible for a clamped scalar, checked anyway).
[[nodiscard]] bool x25519_public_key(std::span<const std::uint8_t, kKeySize> secret_key,
                                     std::span<std::uint8_t, kKeySize> public_key) noexcept;

// shared = X25519(secret_key, peer_public_key). False if the result is all
// zero (the peer sent a low-order point): PROTOCOL.md's public-key error.
// shared is zeroed on failure.
[[nodiscard]] bool x25519(std::span<const std::uint8_t, kKeySize> secret_key,
                          std::span<const std::uint8_t, kKeySize> peer_public_key,
                          std::span<std::uint8_t, kKeySize> shared) noexcept;

}  // namespace strait::exchange
