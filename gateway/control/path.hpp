#pragma once
// Paths into a configuration or state tree, as `snabb config` writes them
// (CONFIG.md): `/` (everything), `/mtu` (a leaf), `/private-interface4`
// (a container), `/route4` (a whole list), `/route4[id=tokyo]` (one list
// entry, by key), `/route4[id=tokyo]/gateway[ip=13.230.1.10]/queue`
// (nested), `/outbound-sa[spi=1001][queue=2]` (several keys).

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace strait::control {

struct KeyMatch {
  std::string leaf;   // a leaf of the entry, usually a list key
  std::string value;  // its value as written
  bool operator==(const KeyMatch&) const = default;
};

struct PathStep {
  std::string name;
  std::vector<KeyMatch> keys;  // [leaf=value] selectors, in order
  bool operator==(const PathStep&) const = default;
};

struct Path {
  std::vector<PathStep> steps;  // empty: the root
  bool root() const { return steps.empty(); }
};

// Errors: "malformed path at column N: expected ..." (1-based columns).
base::Result<Path> parse_path(std::string_view text);

// The canonical text of a path ("/route4[id=tokyo]/gateway").
std::string to_string(const Path& path);

}  // namespace strait::control
