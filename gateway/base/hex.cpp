#include "base/hex.hpp"

#include <sodium.h>

namespace strait::base {

namespace {
int digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::vector<std::uint8_t>> decode_hex(std::string_view text, bool allow_spaces) {
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  std::size_t i = 0;
  while (i < text.size()) {
    if (allow_spaces && text[i] == ' ') {
      ++i;
      continue;
    }
    if (i + 1 >= text.size()) return std::nullopt;
    const int hi = digit(text[i]);
    const int lo = digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    i += 2;
  }
  return out;
}

bool decode_hex_into(std::string_view text, std::span<std::uint8_t> out, bool allow_spaces) {
  std::size_t written = 0;
  std::size_t i = 0;
  bool ok = true;
  while (ok && i < text.size()) {
    if (allow_spaces && text[i] == ' ') {
      ++i;
      continue;
    }
    const int hi = digit(text[i]);
    const int lo = i + 1 < text.size() ? digit(text[i + 1]) : -1;
    ok = hi >= 0 && lo >= 0 && written < out.size();
    if (ok) out[written++] = static_cast<std::uint8_t>(hi << 4 | lo);
    i += 2;
  }
  if (ok && written == out.size()) return true;
  sodium_memzero(out.data(), out.size());
  return false;
}

std::string encode_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

}  // namespace strait::base
