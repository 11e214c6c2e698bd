#include "cli/arguments.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace strait::cli {

std::optional<std::uint64_t> parse_count(std::string_view text, std::uint64_t max) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  for (char c : text)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == 'e' || c == 'E' || c == '.' ||
          c == '+'))
      return std::nullopt;
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0 || v != std::floor(v) ||
      v > static_cast<double>(max))
    return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

std::optional<double> parse_decimal(std::string_view text, double max) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  for (char c : text)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return std::nullopt;
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0 || v > max) return std::nullopt;
  return v;
}

}  // namespace strait::cli
