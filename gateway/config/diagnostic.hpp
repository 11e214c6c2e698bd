#pragma once
// Where a configuration error is, and how it is worded: every error reads
// "<file>:<line>:<column>: <what>" and never carries key material.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace strait::config {

// 1-based; columns count bytes (a tab is one column).
struct Position {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
  bool operator==(const Position&) const = default;
};

// "12:5"
std::string to_string(Position position);

// "<file>:<line>:<column>: <what>".
base::Error located_error(std::string_view file_name, Position position, std::string_view what);

// A keyword as it may appear in a message: "'name'", or a neutral phrase
// when the word could be key material (a run of 6+ hex digits, or all hex
// digits with a digit among them), is longer than 24 bytes or unprintable.
std::string display_name(std::string_view keyword);

}  // namespace strait::config
