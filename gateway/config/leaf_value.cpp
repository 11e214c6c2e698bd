#include "config/leaf_value.hpp"

namespace strait::config {

namespace {

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t min,
                                           std::uint64_t max) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    // value * 10 + digit > max, without overflowing.
    if (digit > max || value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (value < min) return std::nullopt;
  return value;
}

std::optional<bool> parse_boolean(std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

bool is_interface_name(std::string_view text) {
  if (text.empty() || text.size() > 15 || text == "." || text == "..") return false;
  for (char c : text) {
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':') return false;
  }
  return true;
}

std::optional<std::string> parse_pci_address(std::string_view text) {
  // Groups of hex digits and the separator after each: domain ':' bus ':'
  // device '.' function.
  std::string full;
  if (text.size() == 7) {
    full = "0000:";
  } else if (text.size() != 12) {
    return std::nullopt;
  }
  full.append(text);
  for (std::size_t i = 0; i < full.size(); ++i) {
    const char c = full[i];
    const bool separator = i == 4 || i == 7 || i == 10;
    if (separator) {
      if (c != (i == 10 ? '.' : ':')) return std::nullopt;
    } else {
      if (!is_hex_digit(c)) return std::nullopt;
      full[i] = lower(c);
    }
  }
  // Device 0..0x1f, function 0..7.
  const auto hex_value = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  if (hex_value(full[8]) * 16 + hex_value(full[9]) > 0x1f) return std::nullopt;
  if (hex_value(full[11]) > 7) return std::nullopt;
  return full;
}

bool is_route_id(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

net::Mac derived_mac(std::uint8_t first_byte, const net::Address& ip) {
  net::Mac mac;
  mac.bytes[0] = first_byte;
  mac.bytes[1] = 0xbb;
  const std::size_t low = ip.size() - 4;
  for (std::size_t i = 0; i < 4; ++i)
    mac.bytes[2 + i] = ip.bytes[low + i];
  return mac;
}

}  // namespace strait::config
