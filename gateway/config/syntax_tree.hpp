#pragma once
// The generic tree of a YANG data text document, before any schema is
// applied: each statement is a keyword with either a value (`leaf value;`),
// a block (`container { ... }`, one list entry `list { ... }`), or neither
// (`leaf;`). Every node remembers where it was written.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/diagnostic.hpp"

namespace strait::config {

struct Value {
  std::string text;
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
