#pragma once
// HKDF (RFC 5869) over HMAC-BLAKE2s with empty info, as PROTOCOL.md 2.3
// states it: prk = HMAC(salt, ikm); T1 = HMAC(prk, 0x01);
// T2 = HMAC(prk, T1 || 0x02); ...; out = T1 || T2 || ... cut to out.size().
//
// Noise's HKDF(ck, ikm, n) is hkdf(salt = ck, ikm, 32 * n bytes); Vita's
// Split (DIFFERS) is hkdf(salt = 32 zero bytes, ikm = ck, 40 bytes).

#include <cstddef>
#include <cstdint>
#include <span>

namespace strait::exchange {

inline constexpr std::size_t kHkdfMaxOutput = 255 * 32;

// out.size() must be 1..kHkdfMaxOutput (checked: larger requests abort, a
// programming error, since all sizes in the protocol are constants).
void hkdf(std::span<const std::uint8_t> salt, std::span<const std::uint8_t> ikm,
          std::span<std::uint8_t> out) noexcept;

}  // namespace strait::exchange
