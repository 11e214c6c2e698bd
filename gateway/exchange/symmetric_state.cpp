#include "exchange/symmetric_state.hpp"

#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <string_view>

#include "exchange/hkdf.hpp"

namespace strait::exchange {
namespace {

constexpr std::string_view kProtocolName = "Noise_NNpsk0_25519_AESGCM_BLAKE2s";
static_assert(kProtocolName.size() == 33, "longer than HASHLEN: hashed, not padded");

}  // namespace

void SymmetricState::initialize(std::span<const std::uint8_t> prologue,
                                std::span<const std::uint8_t, 32> psk) noexcept {
  blake2s_256(
      std::span(reinterpret_cast<const std::uint8_t*>(kProtocolName.data()), kProtocolName.size()),
      h_);
  std::memcpy(ck().data(), h_.data(), h_.size());
  std::memset(k().data(), 0, 32);
  has_key_ = false;
  n_ = 0;
  mix_hash(prologue);
  mix_key_and_hash(psk);
}

void SymmetricState::mix_hash(std::span<const std::uint8_t> data) noexcept {
  Blake2s hash;
  hash.update(h_).update(data);
  hash.final(h_);
}

void SymmetricState::mix_key(std::span<const std::uint8_t> input_key_material) noexcept {
  std::uint8_t out[64];
  hkdf(ck(), input_key_material, out);
  std::memcpy(keys_.data(), out, 64);  // ck = out[0:32], k = out[32:64]
  sodium_memzero(out, sizeof out);
  has_key_ = true;
  n_ = 0;
}

void SymmetricState::mix_key_and_hash(std::span<const std::uint8_t> input_key_material) noexcept {
  std::uint8_t out[96];
  hkdf(ck(), input_key_material, out);
  std::memcpy(ck().data(), out, 32);
  mix_hash(std::span<const std::uint8_t>(out + 32, 32));
  std::memcpy(k().data(), out + 64, 32);
  sodium_memzero(out, sizeof out);
  has_key_ = true;
  n_ = 0;
}

Status SymmetricState::encrypt_and_hash(std::span<const std::uint8_t> plaintext,
                                        std::span<std::uint8_t> out) noexcept {
  if (out.size() != plaintext.size() + (has_key_ ? kTagSize : 0)) std::abort();
  if (!has_key_) {
    std::memmove(out.data(), plaintext.data(), plaintext.size());
  } else {
    auto status = aes_gcm_encrypt(k(), n_, h_, plaintext, out.first(plaintext.size()),
                                  out.subspan(plaintext.size()).first<kTagSize>());
    if (!status) return status;
    ++n_;
  }
  mix_hash(out);
  return Done{};
}

Status SymmetricState::decrypt_and_hash(std::span<const std::uint8_t> in,
                                        std::span<std::uint8_t> plaintext) noexcept {
  if (in.size() != plaintext.size() + (has_key_ ? kTagSize : 0)) std::abort();
  if (!has_key_) {
    std::memmove(plaintext.data(), in.data(), in.size());
  } else {
    auto status = aes_gcm_decrypt(k(), n_, h_, in.first(plaintext.size()),
                                  in.subspan(plaintext.size()).first<kTagSize>(), plaintext);
    if (!status) return status;
    ++n_;
  }
  mix_hash(in);
  return Done{};
}

void SymmetricState::split(std::span<std::uint8_t, kSplitSize> out) const noexcept {
  static constexpr std::uint8_t kZeroKey[32] = {};
  hkdf(kZeroKey, keys_.span().first<32>(), out);
}

void SymmetricState::copy_from(const SymmetricState& other) noexcept {
  keys_.copy_from(other.keys_);
  h_ = other.h_;
  n_ = other.n_;
  has_key_ = other.has_key_;
}

void SymmetricState::wipe() noexcept {
  keys_.wipe();
  sodium_memzero(h_.data(), h_.size());
  n_ = 0;
  has_key_ = false;
}

}  // namespace strait::exchange
