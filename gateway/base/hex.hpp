#pragma once
// Hexadecimal encoding for configuration values and test vectors.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace strait::base {

// Decodes hex digits; spaces between byte pairs are allowed when
// allow_spaces is set (CONFIG.md's preshared-key form). nullopt on any other
// character or an odd number of digits.
std::optional<std::vector<std::uint8_t>> decode_hex(std::string_view text,
                                                    bool allow_spaces = false);
// The same, for key material: decodes into `out` directly (no copy
// anywhere else) and succeeds only when the text holds exactly out.size()
// bytes; on failure `out` is wiped.
bool decode_hex_into(std::string_view text, std::span<std::uint8_t> out, bool allow_spaces = false);
std::string encode_hex(std::span<const std::uint8_t> bytes);

}  // namespace strait::base
