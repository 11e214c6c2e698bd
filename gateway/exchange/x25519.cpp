#include "exchange/x25519.hpp"

#include <sodium.h>

namespace strait::exchange {

bool x25519_public_key(std::span<const std::uint8_t, kKeySize> secret_key,
                       std::span<std::uint8_t, kKeySize> public_key) noexcept {
  if (crypto_scalarmult_base(public_key.data(), secret_key.data()) != 0) return false;
  return sodium_is_zero(public_key.data(), public_key.size()) == 0;
}

bool x25519(std::span<const std::uint8_t, kKeySize> secret_key,
            std::span<const std::uint8_t, kKeySize> peer_public_key,
            std::span<std::uint8_t, kKeySize> shared) noexcept {
  // libsodium returns -1 when the result is all zero; check it ourselves too.
  const bool ok =
      crypto_scalarmult(shared.data(), secret_key.data(), peer_public_key.data()) == 0 &&
      sodium_is_zero(shared.data(), shared.size()) == 0;
  if (!ok) sodium_memzero(shared.data(), shared.size());
  return ok;
}

}  // namespace strait::exchange
