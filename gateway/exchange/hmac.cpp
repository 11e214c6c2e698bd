#include "exchange/hmac.hpp"

#include <sodium.h>

#include <cstring>

namespace strait::exchange {

void hmac_blake2s(std::span<const std::uint8_t> key,
                  std::initializer_list<std::span<const std::uint8_t>> message,
                  std::span<std::uint8_t, kHashSize> out) noexcept {
  // K0: the key padded with zeros to the block size, or its hash if longer.
  std::uint8_t block_key[kBlockSize] = {};
  if (key.size() > kBlockSize) {
    blake2s_256(key, std::span<std::uint8_t, kHashSize>(block_key, kHashSize));
  } else if (!key.empty()) {
    std::memcpy(block_key, key.data(), key.size());
  }

  std::uint8_t pad[kBlockSize];
  std::uint8_t inner[kHashSize];
  {
    for (std::size_t i = 0; i < kBlockSize; ++i)
      pad[i] = static_cast<std::uint8_t>(block_key[i] ^ 0x36);
    Blake2s hash;
    hash.update(pad);
    for (auto part : message)
      hash.update(part);
    hash.final(inner);
  }
  {
    for (std::size_t i = 0; i < kBlockSize; ++i)
      pad[i] = static_cast<std::uint8_t>(block_key[i] ^ 0x5c);
    Blake2s hash;
    hash.update(pad).update(inner);
    hash.final(out);
  }
  sodium_memzero(block_key, sizeof block_key);
  sodium_memzero(pad, sizeof pad);
  sodium_memzero(inner, sizeof inner);
}

}  // namespace strait::exchange
