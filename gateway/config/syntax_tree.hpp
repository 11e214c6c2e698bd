#pragma once
// The generic tree of a YANG data text document, before any schema is
// applied: each statement is a keyword with either a value (`leaf value;`),
// a block (`container { ... }`, one list entry `list { ... }`), or neither
// (`leaf;`). Every node remembers where it was written.
//
// Values may be key material (preshared-key, key, salt): every value's text
// lives in the secure heap (base::SecureString: locked, not dumped, wiped
// when the tree dies), and so does the lexer's buffer, so the whole path
// from the document's text to the tree stays out of ordinary memory when
// the text itself is in the secure heap (config::read_file). Keywords are
// ordinary strings: a key written where a keyword belongs is rejected by
// the schema without being quoted (display_name).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "base/secure_string.hpp"
#include "config/diagnostic.hpp"

namespace strait::config {

struct Value {
  base::SecureString text;
  Position position;
  bool quoted = false;
};

struct Statement {
  std::string keyword;
  Position position;  // of the keyword
  std::optional<Value> value;
  bool has_block = false;
  std::vector<Statement> children;  // in document order (block only)
};

using Statements = std::vector<Statement>;

// Blocks nest at most this deep; the schema needs three levels.
inline constexpr int kMaxNesting = 32;

// Tokenizes and parses a whole document (the top-level statements). Errors
// name the offending token's position and what was expected there.
base::Result<Statements> parse_document(std::string_view text, std::string_view file_name);

}  // namespace strait::config
