#pragma once
// Secret<N>: N bytes of key material in libsodium's secure memory.
//
// The bytes live in a sodium_malloc() region: guard pages on both sides
// (an overrun faults instead of leaking), locked into RAM where the
// RLIMIT_MEMLOCK allows (sodium_malloc ignores an mlock failure), excluded
// from core dumps, and wiped by sodium_free() on destruction. A Secret is
// zero-filled on construction, cannot be copied (copy explicitly with
// copy_from()) and is never printable: there is no operator<< on purpose.
//
// Construction is for the control path only: it maps memory (several system
// calls), so objects that use Secrets allocate them once and reuse them.
// Construction calls std::abort() if sodium_init() fails (libsodium cannot
// run at all: no safe way to continue) or if sodium_malloc() returns null
// (out of memory or address space); both are fatal conditions rather than
// recoverable errors, and exceptions are not used in this code base.
//
// A moved-from Secret holds no memory (data() is null); it may only be
// destroyed or assigned to.

#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <utility>

namespace strait::base {

template <std::size_t N>
class Secret {
  static_assert(N > 0, "a Secret holds at least one byte");

 public:
  Secret() {
    if (sodium_init() < 0) std::abort();
    data_ = static_cast<std::uint8_t*>(sodium_malloc(N));
    if (data_ == nullptr) std::abort();
    sodium_memzero(data_, N);
  }
  explicit Secret(std::span<const std::uint8_t, N> bytes) : Secret() {
    std::memcpy(data_, bytes.data(), N);
  }
  ~Secret() {
    if (data_ != nullptr) sodium_free(data_);  // wipes before unmapping
  }

  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept : data_(std::exchange(other.data_, nullptr)) {}
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      if (data_ != nullptr) sodium_free(data_);
      data_ = std::exchange(other.data_, nullptr);
    }
    return *this;
  }

  std::uint8_t* data() noexcept { return data_; }
  const std::uint8_t* data() const noexcept { return data_; }
  static constexpr std::size_t size() noexcept { return N; }
  std::span<std::uint8_t, N> span() noexcept { return std::span<std::uint8_t, N>(data_, N); }
  std::span<const std::uint8_t, N> span() const noexcept {
    return std::span<const std::uint8_t, N>(data_, N);
  }

  // Overwrites the bytes with zeros (the memory stays allocated).
  void wipe() noexcept {
    if (data_ != nullptr) sodium_memzero(data_, N);
  }
  void copy_from(std::span<const std::uint8_t, N> bytes) noexcept {
    std::memmove(data_, bytes.data(), N);
  }
  void copy_from(const Secret& other) noexcept { copy_from(other.span()); }

  // Constant-time comparison (sodium_memcmp).
  bool equals(std::span<const std::uint8_t, N> bytes) const noexcept {
    return sodium_memcmp(data_, bytes.data(), N) == 0;
  }
  bool is_zero() const noexcept { return sodium_is_zero(data_, N) == 1; }

 private:
  std::uint8_t* data_ = nullptr;
};

}  // namespace strait::base
