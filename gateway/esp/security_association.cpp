#include "esp/security_association.hpp"

#include <sodium.h>

#include <algorithm>

#include "base/stack_wipe.hpp"
#include "esp/engine.hpp"

namespace strait::esp {

KeyFingerprint key_fingerprint(std::span<const std::uint8_t, 16> key,
                               std::span<const std::uint8_t, 4> salt) noexcept {
  static constexpr unsigned char kPersonal[crypto_generichash_blake2b_PERSONALBYTES] = {
      's', 't', 'r', 'a', 'i', 't', '-', 's', 'a', '-', 'n', 'o', 'n', 'c', 'e', 0};
  std::array<std::uint8_t, 20> input;
  std::copy(key.begin(), key.end(), input.begin());
  std::copy(salt.begin(), salt.end(), input.begin() + 16);
  KeyFingerprint fingerprint;
  crypto_generichash_blake2b_salt_personal(fingerprint.data(), fingerprint.size(), input.data(),
                                           input.size(), nullptr, 0, nullptr, kPersonal);
  sodium_memzero(input.data(), input.size());
  base::wipe_stack();  // BLAKE2b's compression left message words (key bytes) there
  return fingerprint;
}

OutboundSa::OutboundSa(Engine& engine, const SaParameters& parameters,
                       std::uint64_t initial_sequence) noexcept
    : salt_(parameters.salt),
      spi_(parameters.spi),
      key_lines_(engine.key_lines()),
      sequence_(initial_sequence - 1) {
  IMB_AES128_GCM_PRE(engine.manager(), parameters.key.data(), &key_);
}

OutboundSa::~OutboundSa() {
  sodium_memzero(&key_, sizeof key_);
  sodium_memzero(salt_.data(), salt_.size());
}

InboundSa::InboundSa(Engine& engine, const SaParameters& parameters) noexcept
    : salt_(parameters.salt), spi_(parameters.spi), key_lines_(engine.key_lines()) {
  IMB_AES128_GCM_PRE(engine.manager(), parameters.key.data(), &key_);
}

InboundSa::~InboundSa() {
  sodium_memzero(&key_, sizeof key_);
  sodium_memzero(salt_.data(), salt_.size());
}

}  // namespace strait::esp
