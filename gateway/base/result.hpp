#pragma once
// Result<T>: a value or an Error, for control paths that report failures
// explicitly instead of throwing. (std::expected is C++23.)

#include <string>
#include <utility>
#include <variant>

namespace strait::base {

struct Error {
  std::string message;
  // The errno behind the error when the kernel refused something (EPERM,
  // EOPNOTSUPP, ...), so that callers decide on the cause and never on the
  // message's words; 0 when there is none.
  int system_error = 0;
};

// `error` with `context` put before its message, its cause kept.
inline Error in_context(const std::string& context, Error error) {
  error.message.insert(0, context);
  return error;
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void> equivalent.
struct Ok {};
using Status = Result<Ok>;

}  // namespace strait::base
