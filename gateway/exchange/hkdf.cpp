#include "exchange/hkdf.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstdlib>

#include "exchange/hmac.hpp"

namespace strait::exchange {

void hkdf(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
          std::span<std::uint8_t> out) noexcept {
  if (out.empty() || out.size() > kHkdfMaxOutput) std::abort();
  std::uint8_t prk[kHashSize];
  hmac_blake2s(salt, {ikm}, prk);

  std::uint8_t t[kHashSize];
  std::size_t t_size = 0;  // T(0) is empty
  std::size_t written = 0;
  for (std::uint8_t counter = 1; written < out.size(); ++counter) {
    const std::uint8_t counter_byte[1] = {counter};
    hmac_blake2s(prk, {std::span<const std::uint8_t>(t, t_size), counter_byte}, t);
    t_size = kHashSize;
    const std::size_t n = std::min(kHashSize, out.size() - written);
    std::copy_n(t, n, out.begin() + static_cast<std::ptrdiff_t>(written));
    written += n;
  }
  sodium_memzero(prk, sizeof prk);
  sodium_memzero(t, sizeof t);
}

}  // namespace strait::exchange
