#pragma once
// The Noise SymmetricState (and CipherState) of Noise_NNpsk0_25519_AESGCM_
// BLAKE2s, rev 34, with Vita's Split (DIFFERS), as PROTOCOL.md 2.3 states:
//
//   Init:            h = HASH(name) (name is 33 bytes); ck = h;
//                    MixHash(prologue); MixKeyAndHash(psk)
//   MixHash(d):      h = HASH(h || d)
//   MixKey(ikm):     ck || k = HKDF(ck, ikm, 64); n = 0
//   MixKeyAndHash:   ck || t || k = HKDF(ck, ikm, 96); MixHash(t); n = 0
//   EncryptAndHash:  c = AES-256-GCM(k, n++, ad = h, p); MixHash(c)
//   DecryptAndHash:  p = AES-256-GCM^-1(k, n++, ad = h, c); MixHash(c)
//   Split (Vita):    out = HKDF(salt = 32 zero bytes, ikm = ck, 40 bytes)
//
// ck and k live in a Secret (secure memory); every temporary is wiped. The
// state is allocated once and reused: initialize() starts a handshake,
// copy_from() takes a snapshot for rollback, wipe() ends it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "base/secret.hpp"
#include "exchange/aes_gcm.hpp"
#include "exchange/blake2s.hpp"
#include "exchange/error.hpp"

namespace strait::exchange {

inline constexpr std::size_t kSplitSize = 40;  // two AES-128 keys + salts

class SymmetricState {
 public:
  SymmetricState() = default;
  SymmetricState(const SymmetricState&) = delete;
  SymmetricState& operator=(const SymmetricState&) = delete;

  void initialize(std::span<const std::uint8_t> prologue,
                  std::span<const std::uint8_t, 32> psk) noexcept;

  void mix_hash(std::span<const std::uint8_t> data) noexcept;
  void mix_key(std::span<const std::uint8_t> input_key_material) noexcept;
  void mix_key_and_hash(std::span<const std::uint8_t> input_key_material) noexcept;

  // out.size() == plaintext.size() + kTagSize (ciphertext || tag).
  Status encrypt_and_hash(std::span<const std::uint8_t> plaintext,
                          std::span<std::uint8_t> out) noexcept;
  // in = ciphertext || tag; plaintext.size() == in.size() - kTagSize.
  // On failure (Error::kAuthentication) the state is unchanged and plaintext
  // zeroed.
  Status decrypt_and_hash(std::span<const std::uint8_t> in,
                          std::span<std::uint8_t> plaintext) noexcept;

  // Vita's Split: out = T1 || T2[0:8] with prk = HMAC(32 zero bytes, ck).
  void split(std::span<std::uint8_t, kSplitSize> out) const noexcept;

  void copy_from(const SymmetricState& other) noexcept;
  void wipe() noexcept;

  std::span<const std::uint8_t, kHashSize> handshake_hash() const noexcept { return h_; }
  std::span<const std::uint8_t, 32> chaining_key() const noexcept {
    return keys_.span().first<32>();
  }
  bool has_key() const noexcept { return has_key_; }
  std::uint64_t nonce() const noexcept { return n_; }

 private:
  std::span<std::uint8_t, 32> ck() noexcept { return keys_.span().first<32>(); }
  std::span<std::uint8_t, 32> k() noexcept { return keys_.span().last<32>(); }
  std::span<const std::uint8_t, 32> k() const noexcept { return keys_.span().last<32>(); }

  base::Secret<64> keys_;  // ck || k
  std::array<std::uint8_t, kHashSize> h_{};
  std::uint64_t n_ = 0;
  bool has_key_ = false;
};

}  // namespace strait::exchange
