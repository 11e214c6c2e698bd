#pragma once
// Why a key-exchange message was rejected. Each peer-caused error maps to
// exactly one key-manager counter of CONFIG.md (counter_name()).

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

namespace strait::exchange {

enum class Error : std::uint8_t {
  kProtocol,        // malformed, wrong length, or unexpected in this state
  kVersion,         // version is not 5
  kParameter,       // aead differs, or an SPI outside the ESP range (< 256)
  kAuthentication,  // AEAD tag did not verify (psk, prologue or tampering)
  kPublicKey,       // X25519 result all zero (low-order peer key)
  kRoute,           // unknown route SPI (decided by the caller's route table)
  kUnsupported,     // AES-256-GCM not available on this CPU: no counter,
                    // a platform condition the gateway reports at start-up
};

// The key-manager counter this error increments ("protocol-errors", ...);
// empty for kUnsupported, which is not a counter.
constexpr std::string_view counter_name(Error error) {
  switch (error) {
    case Error::kProtocol:
      return "protocol-errors";
    case Error::kVersion:
      return "version-errors";
    case Error::kParameter:
      return "parameter-errors";
    case Error::kAuthentication:
      return "authentication-errors";
    case Error::kPublicKey:
      return "public-key-errors";
    case Error::kRoute:
      return "route-errors";
    case Error::kUnsupported:
      return "";
  }
  return "";
}

// A value or an Error; no exceptions.
template <class T>
class [[nodiscard]] Outcome {
 public:
  Outcome(T value) : v_(std::move(value)) {}
  Outcome(Error error) : v_(error) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  Error error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Done {};
using Status = Outcome<Done>;

}  // namespace strait::exchange
