#pragma once
// SecureString: text that may hold key material (a configuration file, the
// value of a configuration leaf, a control request or response), in the
// secure heap (secure_heap.hpp: locked, not dumped, wiped when released or
// outgrown). Unlike std::basic_string it has no small-string buffer, so no
// byte of the text ever lives inside the object itself (on a stack or an
// ordinary heap). It converts to std::string_view for reading; a copy into
// ordinary memory is always explicit (std::string(s.view())), and there is
// no operator<< on purpose. Control paths only.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/secure_allocator.hpp"

namespace strait::base {

class SecureString {
 public:
  SecureString() = default;
  SecureString(std::string_view text) { append(text); }  // NOLINT: implicit by design
  SecureString(const char* text) : SecureString(std::string_view(text)) {}         // NOLINT
  SecureString(const std::string& text) : SecureString(std::string_view(text)) {}  // NOLINT

  std::string_view view() const noexcept { return {bytes_.data(), bytes_.size()}; }
  operator std::string_view() const noexcept { return view(); }  // NOLINT: implicit by design

  const char* data() const noexcept { return bytes_.data(); }
  char* data() noexcept { return bytes_.data(); }
  std::size_t size() const noexcept { return bytes_.size(); }
  bool empty() const noexcept { return bytes_.empty(); }
  std::size_t capacity() const noexcept { return bytes_.capacity(); }
  char operator[](std::size_t i) const noexcept { return bytes_[i]; }
  char back() const noexcept { return bytes_.back(); }

  static constexpr std::size_t npos = std::string_view::npos;
  bool starts_with(std::string_view text) const noexcept { return view().starts_with(text); }
  bool ends_with(std::string_view text) const noexcept { return view().ends_with(text); }
  std::size_t find(std::string_view text, std::size_t from = 0) const noexcept {
    return view().find(text, from);
  }

  void reserve(std::size_t n) { bytes_.reserve(n); }
  // New bytes are zero.
  void resize(std::size_t n) { bytes_.resize(n); }
  // Empties the text; the memory stays (and is wiped when released).
  void clear() noexcept { bytes_.clear(); }
  void push_back(char c) { bytes_.push_back(c); }
  SecureString& append(std::string_view text) {
    bytes_.insert(bytes_.end(), text.begin(), text.end());
    return *this;
  }
  SecureString& operator+=(std::string_view text) { return append(text); }
  SecureString& operator+=(char c) {
    push_back(c);
    return *this;
  }

  friend bool operator==(const SecureString& a, const SecureString& b) noexcept {
    return a.view() == b.view();
  }
  friend bool operator==(const SecureString& a, std::string_view b) noexcept {
    return a.view() == b;
  }
  friend bool operator==(const SecureString& a, const std::string& b) noexcept {
    return a.view() == b;
  }
  friend bool operator==(const SecureString& a, const char* b) noexcept {
    return a.view() == std::string_view(b);
  }

 private:
  std::vector<char, SecureAllocator<char>> bytes_;
};

inline SecureString operator+(SecureString a, std::string_view b) {
  a.append(b);
  return a;
}

}  // namespace strait::base
