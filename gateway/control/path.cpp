#include "control/path.hpp"

namespace strait::control {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool is_value_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && c != ']' && c != '[' && c != '"' && c != '\'';
}

class PathParser {
 public:
  explicit PathParser(std::string_view text) : text_(text) {}

  base::Result<Path> parse() {
    Path path;
    if (text_.empty()) return error("expected '/'");
    if (text_ == "/") return path;
    while (offset_ < text_.size()) {
      if (peek() != '/') return error("expected '/' or '['");
      ++offset_;
      PathStep step;
      auto name = word(is_name_char, "a name (letters, digits, '-', '_', '.')");
      if (!name) return name.error();
      step.name = std::move(name).value();
      while (peek() == '[') {
        ++offset_;
        KeyMatch key;
        auto leaf = word(is_name_char, "a key name");
        if (!leaf) return leaf.error();
        key.leaf = std::move(leaf).value();
        if (peek() != '=') return error("expected '='");
        ++offset_;
        auto value = word(is_value_char, "a key value");
        if (!value) return value.error();
        key.value = std::move(value).value();
        if (peek() != ']') return error("expected ']'");
        ++offset_;
        step.keys.push_back(std::move(key));
      }
      path.steps.push_back(std::move(step));
    }
    return path;
  }

 private:
  char peek() const { return offset_ < text_.size() ? text_[offset_] : '\0'; }

  base::Error error(std::string_view expected) const {
    std::string what = "malformed path at column " + std::to_string(offset_ + 1) + ": ";
    what += expected;
    if (offset_ >= text_.size()) what += " (the path ends there)";
    return base::Error{what};
  }

  template <class Accept>
  base::Result<std::string> word(Accept accept, std::string_view what) {
    const std::size_t start = offset_;
    while (offset_ < text_.size() && accept(text_[offset_]))
      ++offset_;
    if (offset_ == start) return error(std::string("expected ") + std::string(what));
    return std::string(text_.substr(start, offset_ - start));
  }

  std::string_view text_;
  std::size_t offset_ = 0;
};

}  // namespace

base::Result<Path> parse_path(std::string_view text) {
  return PathParser(text).parse();
}

std::string to_string(const Path& path) {
  if (path.root()) return "/";
  std::string out;
  for (const auto& step : path.steps) {
    out += '/';
    out += step.name;
    for (const auto& key : step.keys)
      out += '[' + key.leaf + '=' + key.value + ']';
  }
  return out;
}

}  // namespace strait::control
