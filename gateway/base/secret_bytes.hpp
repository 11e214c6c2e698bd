#pragma once
// SecretBytes<N>: N bytes of key material as a value (a pre-shared key, a
// static SA's key or salt in a configuration): copyable, each copy its own
// block of the secure heap (secure_heap.hpp: locked, not dumped, wiped when
// the copy dies), compared in constant time, never printable. Unlike
// base::Secret (one guarded mapping per object, not copyable) it suits
// objects that are copied and held by the thousand, such as the parsed
// configuration. A move is a copy: every object always holds its bytes.
// Control paths only (copies allocate).

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "base/secure_heap.hpp"

namespace strait::base {

template <std::size_t N>
class SecretBytes {
  static_assert(N > 0, "SecretBytes holds at least one byte");

 public:
  SecretBytes() : data_(static_cast<std::uint8_t*>(secure_allocate(N))) {}  // zeros
  explicit SecretBytes(std::span<const std::uint8_t, N> bytes) : SecretBytes() {
    std::memcpy(data_, bytes.data(), N);
  }
  SecretBytes(const SecretBytes& other) : SecretBytes(other.span()) {}
  SecretBytes& operator=(const SecretBytes& other) noexcept {
    std::memmove(data_, other.data_, N);
    return *this;
  }
  ~SecretBytes() { secure_deallocate(data_, N); }

  std::uint8_t* data() noexcept { return data_; }
  const std::uint8_t* data() const noexcept { return data_; }
  static constexpr std::size_t size() noexcept { return N; }
  std::span<std::uint8_t, N> span() noexcept { return std::span<std::uint8_t, N>(data_, N); }
  std::span<const std::uint8_t, N> span() const noexcept {
    return std::span<const std::uint8_t, N>(data_, N);
  }
  operator std::span<const std::uint8_t, N>() const noexcept { return span(); }  // NOLINT
  std::uint8_t& operator[](std::size_t i) noexcept { return data_[i]; }
  std::uint8_t operator[](std::size_t i) const noexcept { return data_[i]; }

  void copy_from(std::span<const std::uint8_t, N> bytes) noexcept {
    std::memmove(data_, bytes.data(), N);
  }
  void wipe() noexcept { sodium_memzero(data_, N); }
  // Constant time (sodium_memcmp).
  bool equals(std::span<const std::uint8_t, N> bytes) const noexcept {
    return sodium_memcmp(data_, bytes.data(), N) == 0;
  }
  bool operator==(const SecretBytes& other) const noexcept { return equals(other.span()); }
  bool is_zero() const noexcept { return sodium_is_zero(data_, N) == 1; }

 private:
  std::uint8_t* data_;
};

}  // namespace strait::base
