#pragma once
// AES-256-GCM with a 16-byte tag, the Noise cipher of vita-ske: a thin layer
// over libsodium's crypto_aead_aes256gcm (detached tag).
// Nonce = 4 zero bytes || 64-bit big-endian counter (Noise's AESGCM nonce).
//
// libsodium implements AES-256-GCM only with AES-NI and CLMUL; on a CPU
// without them every call returns Error::kUnsupported (aes_gcm_available()
// lets the gateway refuse to start instead).

#include <cstddef>
#include <cstdint>
#include <span>

#include "exchange/error.hpp"

namespace strait::exchange {

inline constexpr std::size_t kCipherKeySize = 32;
inline constexpr std::size_t kTagSize = 16;

bool aes_gcm_available() noexcept;

// ciphertext.size() must equal plaintext.size() (they may alias exactly).
Status aes_gcm_encrypt(std::span<const std::uint8_t, kCipherKeySize> key, std::uint64_t counter,
                       std::span<const std::uint8_t> ad, std::span<const std::uint8_t> plaintext,
                       std::span<std::uint8_t> ciphertext,
                       std::span<std::uint8_t, kTagSize> tag) noexcept;

// Error::kAuthentication if the tag does not verify; plaintext is then
// zeroed. plaintext.size() must equal ciphertext.size().
Status aes_gcm_decrypt(std::span<const std::uint8_t, kCipherKeySize> key, std::uint64_t counter,
                       std::span<const std::uint8_t> ad, std::span<const std::uint8_t> ciphertext,
                       std::span<const std::uint8_t, kTagSize> tag,
                       std::span<std::uint8_t> plaintext) noexcept;

}  // namespace strait::exchange
