#pragma once
// Parsers of option values shared by the strait subcommands (the options
// themselves are read by ArgumentReader, argument_reader.hpp).

#include <cstdint>
#include <optional>
#include <string_view>

namespace strait::cli {

// A non-negative integer written plainly ("3000000") or in scientific
// notation ("3e6", "1.5e3"); nullopt if it is not a whole number in range.
std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t max);
// A decimal number in [0, max] ("110", "0.5"); nullopt otherwise.
std::optional<double> parse_decimal(std::string_view text, double max);

}  // namespace strait::cli
