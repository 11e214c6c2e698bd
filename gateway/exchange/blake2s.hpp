#pragma once
// BLAKE2s-256 (RFC 7693), the Noise HASH of vita-ske: a thin layer over
// libb2. Blake2s hashes a message given in parts; its state is wiped on
// destruction because it absorbs key material (HMAC pads, chaining keys).

#include <blake2.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace strait::exchange {

inline constexpr std::size_t kHashSize = 32;   // HASHLEN
inline constexpr std::size_t kBlockSize = 64;  // BLOCKLEN

class Blake2s {
 public:
  Blake2s() noexcept;
  ~Blake2s();
  Blake2s(const Blake2s&) = delete;
  Blake2s& operator=(const Blake2s&) = delete;

  Blake2s& update(std::span<const std::uint8_t> bytes) noexcept;
  // Writes the digest; the object must not be updated afterwards.
  void final(std::span<std::uint8_t, kHashSize> out) noexcept;

 private:
  blake2s_state state_;
};

// One-shot BLAKE2s-256 of bytes.
void blake2s_256(std::span<const std::uint8_t> bytes,
                 std::span<std::uint8_t, kHashSize> out) noexcept;

}  // namespace strait::exchange
