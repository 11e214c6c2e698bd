#include "config/diagnostic.hpp"

namespace strait::config {

std::string to_string(Position position) {
  return std::to_string(position.line) + ":" + std::to_string(position.column);
}

base::Error located_error(std::string_view file_name, Position position, std::string_view what) {
  std::string message(file_name);
  message += ':';
  message += to_string(position);
  message += ": ";
  message += what;
  return base::Error{std::move(message)};
}

std::string display_name(std::string_view keyword) {
  constexpr std::size_t kMaxShown = 24;
  constexpr std::size_t kKeyLikeRun = 6;
  bool all_hex = true;
  bool has_digit = false;
  std::size_t run = 0;
  std::size_t longest_run = 0;
  for (char c : keyword) {
    const bool digit = c >= '0' && c <= '9';
    const bool hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    has_digit = has_digit || digit;
    all_hex = all_hex && hex;
    run = hex ? run + 1 : 0;
    longest_run = run > longest_run ? run : longest_run;
    if (c < 0x21 || c > 0x7e) return "<name hidden: unprintable>";
  }
  if (longest_run >= kKeyLikeRun || (all_hex && has_digit))
    return "<name hidden: looks like a value>";
  if (keyword.size() > kMaxShown) return "<name hidden: too long>";
  return "'" + std::string(keyword) + "'";
}

}  // namespace strait::config
