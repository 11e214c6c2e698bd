#pragma once
// The outcome of a completed exchange: an inbound and an outbound ESP SA
// (PROTOCOL.md 2.3 "Resulting SAs"). Field for field the same as
// esp::SaParameters (spi, key[16], salt[4]); kept separate so that the key
// exchange does not depend on the data path's ESP engine. Key and salt are
// wiped when a SaKeys is destroyed; copies are the caller's to manage.

#include <sodium.h>

#include <array>
#include <cstdint>
#include <span>

#include "exchange/symmetric_state.hpp"

namespace strait::exchange {

struct SaKeys {
  std::uint32_t spi = 0;
  std::array<std::uint8_t, 16> key{};  // AES-128-GCM key
  std::array<std::uint8_t, 4> salt{};  // GCM nonce salt

  ~SaKeys() {
    sodium_memzero(key.data(), key.size());
    sodium_memzero(salt.data(), salt.size());
  }
};

struct SaPair {
  SaKeys inbound;   // spi = our chosen SPI, sent in our payload
  SaKeys outbound;  // spi = the peer's chosen SPI, received in its payload
};

enum class Role : std::uint8_t { kInitiator, kResponder };

// Splits Vita's 40-byte Split output into the two SAs. Initiator: inbound
// keying material = out[0:20], outbound = out[20:40]; the responder the
// opposite. Keying material = key(16) || salt(4).
SaPair make_sa_pair(Role role, std::span<const std::uint8_t, kSplitSize> split_output,
                    std::uint32_t own_spi, std::uint32_t peer_spi) noexcept;

}  // namespace strait::exchange
