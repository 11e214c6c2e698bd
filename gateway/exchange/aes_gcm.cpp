#include "exchange/aes_gcm.hpp"

#include <sodium.h>

#include <cstdlib>

namespace strait::exchange {
namespace {

void make_nonce(std::uint64_t counter, std::uint8_t (&nonce)[crypto_aead_aes256gcm_NPUBBYTES]) {
  static_assert(crypto_aead_aes256gcm_NPUBBYTES == 12);
  for (int i = 0; i < 4; ++i)
    nonce[i] = 0;
  for (int i = 0; i < 8; ++i)
    nonce[4 + i] = static_cast<std::uint8_t>(counter >> (56 - 8 * i));
}

}  // namespace

bool aes_gcm_available() noexcept {
  if (sodium_init() < 0) std::abort();
  return crypto_aead_aes256gcm_is_available() == 1;
}

Status aes_gcm_encrypt(std::span<const std::uint8_t, kCipherKeySize> key, std::uint64_t counter,
                       std::span<const std::uint8_t> ad, std::span<const std::uint8_t> plaintext,
                       std::span<std::uint8_t> ciphertext,
                       std::span<std::uint8_t, kTagSize> tag) noexcept {
  static_assert(crypto_aead_aes256gcm_KEYBYTES == kCipherKeySize);
  static_assert(crypto_aead_aes256gcm_ABYTES == kTagSize);
  if (!aes_gcm_available()) return Error::kUnsupported;
  if (ciphertext.size() != plaintext.size()) std::abort();  // programming error
  std::uint8_t nonce[crypto_aead_aes256gcm_NPUBBYTES];
  make_nonce(counter, nonce);
  unsigned long long tag_size = 0;
  // libsodium declares the message pointers non-null even for an empty
  // message (an empty span's data() may be null): point them at a byte.
  std::uint8_t empty = 0;
  crypto_aead_aes256gcm_encrypt_detached(
      ciphertext.empty() ? &empty : ciphertext.data(), tag.data(), &tag_size,
      plaintext.empty() ? &empty : plaintext.data(), plaintext.size(), ad.data(), ad.size(),
      nullptr, nonce, key.data());
  return Done{};
}

Status aes_gcm_decrypt(std::span<const std::uint8_t, kCipherKeySize> key, std::uint64_t counter,
                       std::span<const std::uint8_t> ad, std::span<const std::uint8_t> ciphertext,
                       std::span<const std::uint8_t, kTagSize> tag,
                       std::span<std::uint8_t> plaintext) noexcept {
  if (!aes_gcm_available()) return Error::kUnsupported;
  if (ciphertext.size() != plaintext.size()) std::abort();  // programming error
  std::uint8_t nonce[crypto_aead_aes256gcm_NPUBBYTES];
  make_nonce(counter, nonce);
  std::uint8_t empty = 0;  // as in aes_gcm_encrypt
  if (crypto_aead_aes256gcm_decrypt_detached(plaintext.empty() ? &empty : plaintext.data(), nullptr,
                                             ciphertext.empty() ? &empty : ciphertext.data(),
                                             ciphertext.size(), tag.data(), ad.data(), ad.size(),
                                             nonce, key.data()) != 0) {
    sodium_memzero(plaintext.data(), plaintext.size());
    return Error::kAuthentication;
  }
  return Done{};
}

}  // namespace strait::exchange
