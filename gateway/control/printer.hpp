#pragma once
// Writing a syntax tree back as text: the YANG data text syntax of
// `snabb config` (CONFIG.md), two spaces per level, `leaf value;`,
// `name {` ... `}`, re-parseable by config::parse_document into the same
// tree. A value is written bare when the lexer would read it back as one
// word, and double-quoted (escaping \ " newline and tab) when it was
// quoted or must be. Also: the same tree as JSON.
//
// What they write may hold key material (PrintOptions::secrets), so they
// write into the secure heap (base::SecureString), as the tree's values
// are.

#include <string>
#include <string_view>

#include "base/secure_string.hpp"
#include "config/syntax_tree.hpp"

namespace strait::control {

struct PrintOptions {
  // false: the values of preshared-key, key and salt are written as
  // "(secret)".
  bool secrets = false;
};

// `keyword` is a leaf whose value is key material.
bool is_secret_leaf(std::string_view keyword);
// Leaves and containers that are lists (repeated, keyed) in the
// vita-esp-gateway schema or gateway-state.
bool is_list(std::string_view keyword);

base::SecureString print_value(const config::Value& value);
base::SecureString print_statements(const config::Statements& statements,
                                    const PrintOptions& options, int indent = 0);

// JSON: a block is an object; leaves are members (a value of digits only
// is a number, true / false are booleans, a leaf without value is null,
// anything else a string); a list's entries, or any keyword repeated among
// its siblings, form an array.
base::SecureString json_of_statements(const config::Statements& statements,
                                      const PrintOptions& options);
base::SecureString json_of_value(const config::Value& value);
base::SecureString json_string(std::string_view text);

}  // namespace strait::control
