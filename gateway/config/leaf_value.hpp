#pragma once
// The value types of the vita-esp-gateway schema's leaves, parsed from the
// text of one value. Each returns nullopt on a malformed value; the schema
// reader words the error (never echoing key material).

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/hex.hpp"
#include "base/secret_bytes.hpp"
#include "net/address.hpp"

namespace strait::config {

// Decimal digits only (no sign, no spaces), value in [min, max]; overflow is
// out of range, not wrap-around.
std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t min,
                                           std::uint64_t max);

// "true" or "false".
std::optional<bool> parse_boolean(std::string_view text);

// Exactly N bytes of hex (spaces allowed between byte pairs) decoded into
// `out` (key material: decoded in place, no copy elsewhere); false, and
// `out` wiped, otherwise.
template <std::size_t N>
bool parse_hex_bytes(std::string_view text, base::SecretBytes<N>& out) {
  return base::decode_hex_into(text, out.span(), /*allow_spaces=*/true);
}

// A Linux interface name: 1-15 bytes, no '/', ':' or whitespace, not "." or
// "..", printable ASCII.
bool is_interface_name(std::string_view text);

// "0000:00:06.0" or the short "00:06.0"; returns the full lowercase form.
std::optional<std::string> parse_pci_address(std::string_view text);

// A route id: one or more of [A-Za-z0-9_].
bool is_route_id(std::string_view text);

// The MAC an interface takes when none is configured: first_byte, 0xbb, then
// the 4 low bytes of ip (the last 4 of an IPv6 address).
net::Mac derived_mac(std::uint8_t first_byte, const net::Address& ip);

}  // namespace strait::config
