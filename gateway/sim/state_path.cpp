#include "sim/state_path.hpp"

#include <charconv>
#include <utility>
#include <vector>

#include "config/syntax_tree.hpp"

namespace strait::sim {

namespace {

struct Step {
  std::string keyword;
  std::vector<std::pair<std::string, std::string>> selectors;
};

std::optional<std::vector<Step>> steps_of(std::string_view path) {
  std::vector<Step> steps;
  std::size_t i = 0;
  while (i < path.size()) {
    Step step;
    while (i < path.size() && path[i] != '/' && path[i] != '[')
      step.keyword += path[i++];
    while (i < path.size() && path[i] == '[') {
      const std::size_t close = path.find(']', i);
      const std::size_t equals = path.find('=', i);
      if (close == std::string_view::npos || equals == std::string_view::npos || equals > close)
        return std::nullopt;
      step.selectors.emplace_back(std::string(path.substr(i + 1, equals - i - 1)),
                                  std::string(path.substr(equals + 1, close - equals - 1)));
      i = close + 1;
    }
    if (step.keyword.empty()) return std::nullopt;
    steps.push_back(std::move(step));
    if (i < path.size() && path[i] == '/') ++i;
  }
  return steps;
}

bool matches(const config::Statement& s, const Step& step) {
  if (s.keyword != step.keyword) return false;
  for (const auto& [leaf, value] : step.selectors) {
    bool found = false;
    for (const auto& c : s.children)
      found = found || (c.keyword == leaf && c.value && c.value->text == value);
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::optional<std::uint64_t> state_value(std::string_view state_text, std::string_view path) {
  auto document = config::parse_document(state_text, "gateway-state");
  const auto steps = steps_of(path);
  if (!document || !steps || document->empty()) return std::nullopt;
  const config::Statements* level = &document->front().children;  // below gateway-state
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const config::Statement* found = nullptr;
    for (const auto& s : *level)
      if (matches(s, (*steps)[i])) {
        found = &s;
        break;
      }
    if (found == nullptr) return std::nullopt;
    if (i + 1 == steps->size()) {
      if (!found->value) return std::nullopt;
      std::uint64_t v = 0;
      const std::string_view t = found->value->text;
      const auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (error != std::errc{} || end != t.data() + t.size()) return std::nullopt;
      return v;
    }
    level = &found->children;
  }
  return std::nullopt;
}

}  // namespace strait::sim
