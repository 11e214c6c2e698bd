#pragma once
// The vita-esp-gateway schema (CONFIG.md) applied to a parsed document:
// names, value types, ranges, address families, list keys and unique
// constraints, mandatory leaves, defaults and derived MACs.

#include <string_view>

#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "config/syntax_tree.hpp"

namespace strait::config {

// Errors are located at the offending statement or value; a missing
// mandatory leaf at the container lacking it (the document's 1:1 for
// top-level ones). Values are never quoted in messages.
base::Result<GatewayConfig> apply_schema(const Statements& document, std::string_view file_name);

}  // namespace strait::config
