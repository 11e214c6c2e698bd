#include "control/printer.hpp"

#include <array>
#include <cstdio>
#include <unordered_map>
#include <vector>

namespace strait::control {

namespace {

constexpr std::string_view kRedacted = "(secret)";

bool needs_quotes(std::string_view text) {
  if (text.empty()) return true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == ';' || c == '{' || c == '}' || c == '"' || c == '\'')
      return true;
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if ((c == '/' && (next == '/' || next == '*')) || (c == '*' && next == '/')) return true;
  }
  return false;
}

base::SecureString quoted(std::string_view text) {
  base::SecureString out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  out += '"';
  return out;
}

bool all_digits(std::string_view text) {
  if (text.empty() || text.size() > 19) return false;
  if (text.size() > 1 && text[0] == '0') return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

config::Value shown(const config::Statement& s, const PrintOptions& options) {
  if (!options.secrets && s.value && is_secret_leaf(s.keyword))
    return config::Value{kRedacted, s.value->position, true};
  return *s.value;
}

}  // namespace

bool is_secret_leaf(std::string_view keyword) {
  return keyword == "preshared-key" || keyword == "key" || keyword == "salt";
}

bool is_list(std::string_view keyword) {
  static constexpr std::array<std::string_view, 8> kLists = {
      "public-interface4", "public-interface6", "route4",     "route6",
      "gateway",           "outbound-sa",       "inbound-sa", "queue-state"};
  for (auto l : kLists)
    if (l == keyword) return true;
  return false;
}

base::SecureString print_value(const config::Value& value) {
  return value.quoted || needs_quotes(value.text) ? quoted(value.text) : value.text;
}

base::SecureString print_statements(const config::Statements& statements,
                                    const PrintOptions& options, int indent) {
  base::SecureString out;
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const auto& s : statements) {
    out += pad;
    out += s.keyword;
    if (s.value) {
      out += ' ';
      out += print_value(shown(s, options));
      out += ";\n";
    } else if (s.has_block) {
      out += " {\n";
      out += print_statements(s.children, options, indent + 2);
      out += pad;
      out += "}\n";
    } else {
      out += ";\n";
    }
  }
  return out;
}

base::SecureString json_string(std::string_view text) {
  base::SecureString out = "\"";
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(u));
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

base::SecureString json_of_value(const config::Value& value) {
  if (!value.quoted && all_digits(value.text)) return value.text;
  if (!value.quoted && (value.text == "true" || value.text == "false")) return value.text;
  return json_string(value.text);
}

namespace {

base::SecureString json_of_statement(const config::Statement& s, const PrintOptions& options) {
  if (s.value) return json_of_value(shown(s, options));
  if (s.has_block) return json_of_statements(s.children, options);
  return "null";
}

}  // namespace

base::SecureString json_of_statements(const config::Statements& statements,
                                      const PrintOptions& options) {
  // Entries of one keyword, in order of its first appearance.
  std::vector<std::string_view> order;
  std::unordered_map<std::string_view, std::vector<const config::Statement*>> by_keyword;
  for (const auto& s : statements) {
    auto& entries = by_keyword[s.keyword];
    if (entries.empty()) order.push_back(s.keyword);
    entries.push_back(&s);
  }
  base::SecureString out = "{";
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i != 0) out += ',';
    const auto& entries = by_keyword[order[i]];
    out += json_string(order[i]);
    out += ':';
    if (entries.size() == 1 && !is_list(order[i])) {
      out += json_of_statement(*entries.front(), options);
      continue;
    }
    out += '[';
    for (std::size_t j = 0; j < entries.size(); ++j) {
      if (j != 0) out += ',';
      out += json_of_statement(*entries[j], options);
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace strait::control
