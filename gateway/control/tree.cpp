#include "control/tree.hpp"

#include "config/diagnostic.hpp"
#include "config/lexer.hpp"

namespace strait::control {

namespace {

using config::Statement;
using config::Statements;

// Keys of the schema's lists (CONFIG.md), for duplicate checks and to
// complete entries; `queue` defaults to 1 where it is a key.
std::vector<std::string_view> keys_of(std::string_view list) {
  if (list == "public-interface4" || list == "public-interface6" || list == "gateway")
    return {"ip"};
  if (list == "route4" || list == "route6") return {"id"};
  if (list == "outbound-sa" || list == "inbound-sa") return {"spi", "queue"};
  return {};
}

const Statement* leaf_of(const Statement& entry, std::string_view name) {
  for (const auto& c : entry.children)
    if (c.keyword == name && c.value) return &c;
  return nullptr;
}

bool matches(const Statement& s, const PathStep& step) {
  if (s.keyword != step.name) return false;
  for (const auto& key : step.keys) {
    const Statement* leaf = leaf_of(s, key.leaf);
    if (leaf != nullptr) {
      if (leaf->value->text != key.value) return false;
    } else if (!(key.leaf == "queue" && key.value == "1")) {  // the default queue
      return false;
    }
  }
  return true;
}

std::string describe_step(const PathStep& step) {
  Path p;
  p.steps.push_back(step);
  return to_string(p).substr(1);
}

std::string prefix_text(const Path& path, std::size_t steps) {
  Path p;
  p.steps.assign(path.steps.begin(), path.steps.begin() + static_cast<std::ptrdiff_t>(steps));
  return to_string(p);
}

std::vector<std::size_t> find_all(const Statements& in, const PathStep& step) {
  std::vector<std::size_t> found;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (matches(in[i], step)) found.push_back(i);
  return found;
}

std::string key_hint(std::string_view list) {
  const auto keys = keys_of(list);
  if (keys.empty()) return "";
  std::string hint = ": select one with ";
  for (auto k : keys)
    hint += "[" + std::string(k) + "=...]";
  return hint;
}

// The statements inside the container or entry named by the first `steps`
// steps of `path` (the document itself for 0).
template <class Tree>
base::Result<Tree*> container_at(Tree& document, const Path& path, std::size_t steps) {
  Tree* current = &document;
  for (std::size_t i = 0; i < steps; ++i) {
    const PathStep& step = path.steps[i];
    const auto found = find_all(*current, step);
    if (found.empty())
      return base::Error{"nothing at " + prefix_text(path, i + 1) + " (no " + describe_step(step) +
                         " in " + prefix_text(path, i) + ")"};
    if (found.size() > 1)
      return base::Error{prefix_text(path, i + 1) + " names " + std::to_string(found.size()) +
                         " entries" + key_hint(step.name)};
    auto& s = (*current)[found.front()];
    if (!s.has_block)
      return base::Error{prefix_text(path, i + 1) + " is a leaf, not a container or list entry"};
    current = &s.children;
  }
  return current;
}

base::Result<config::Value> parse_single_value(std::string_view body, std::string_view body_name) {
  config::Lexer lexer(body, body_name);
  auto first = lexer.next();
  if (!first) return first.error();
  if (first->kind != config::TokenKind::kWord && first->kind != config::TokenKind::kString)
    return config::located_error(
        body_name, first->position,
        std::string("expected a value, found ") + std::string(config::describe(first->kind)));
  // The token's text is the lexer's until its next token: copied first.
  config::Value value{base::SecureString(first->text), first->position,
                      first->kind == config::TokenKind::kString};
  auto next = lexer.next();
  if (!next) return next.error();
  if (next->kind == config::TokenKind::kSemicolon) {
    next = lexer.next();
    if (!next) return next.error();
  }
  if (next->kind != config::TokenKind::kEnd)
    return config::located_error(body_name, next->position,
                                 std::string("expected one value, found ") +
                                     std::string(config::describe(next->kind)) + " after it");
  return value;
}

// Adds the path's key leaves an entry's statements leave out, first.
void complete_keys(Statements& children, const PathStep& step, config::Position where) {
  Statements keys;
  for (const auto& key : step.keys) {
    bool present = false;
    for (const auto& c : children)
      if (c.keyword == key.leaf) present = true;
    if (present) continue;
    Statement leaf;
    leaf.keyword = key.leaf;
    leaf.position = where;
    leaf.value = config::Value{key.value, where, false};
    keys.push_back(std::move(leaf));
  }
  children.insert(children.begin(), keys.begin(), keys.end());
}

std::string key_text(const Statement& entry) {
  std::string text;
  for (auto key : keys_of(entry.keyword)) {
    const Statement* leaf = leaf_of(entry, key);
    text += "[" + std::string(key) + "=" +
            std::string(leaf != nullptr ? leaf->value->text.view()
                                        : std::string_view(key == "queue" ? "1" : "?")) +
            "]";
  }
  return text;
}

bool same_keys(const Statement& a, const Statement& b) {
  const auto keys = keys_of(a.keyword);
  if (keys.empty()) return false;
  for (auto key : keys) {
    const Statement* x = leaf_of(a, key);
    const Statement* y = leaf_of(b, key);
    const std::string_view fallback = key == "queue" ? "1" : "";
    const std::string_view xv = x ? x->value->text.view() : fallback;
    const std::string_view yv = y ? y->value->text.view() : fallback;
    if (xv != yv) return false;
  }
  return true;
}

}  // namespace

base::Result<base::SecureString> get_text(const Statements& document, const Path& path,
                                          const PrintOptions& options, bool json) {
  if (path.root())
    return json ? json_of_statements(document, options) + "\n"
                : print_statements(document, options);
  auto parent = container_at(document, path, path.steps.size() - 1);
  if (!parent) return parent.error();
  const PathStep& last = path.steps.back();
  const auto found = find_all(**parent, last);
  if (found.empty()) return base::Error{"nothing at " + to_string(path)};
  if (last.keys.empty() && is_list(last.name)) {
    Statements entries;
    for (auto i : found)
      entries.push_back((**parent)[i]);
    if (!json) return print_statements(entries, options);
    base::SecureString out = "[";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i != 0) out += ',';
      out += json_of_statements(entries[i].children, options);
    }
    return out + "]\n";
  }
  if (found.size() > 1)
    return base::Error{to_string(path) + " names " + std::to_string(found.size()) + " entries" +
                       key_hint(last.name)};
  const Statement& s = (**parent)[found.front()];
  Statement shown = s;
  if (s.value) {
    if (!options.secrets && is_secret_leaf(s.keyword)) shown.value->text = "(secret)";
    return (json ? json_of_value(*shown.value) : print_value(*shown.value)) + "\n";
  }
  if (s.has_block)
    return json ? json_of_statements(s.children, options) + "\n"
                : print_statements(s.children, options);
  return base::SecureString(json ? "null\n" : "");
}

base::Result<Statements> set_subtree(const Statements& document, const Path& path,
                                     std::string_view body, std::string_view body_name) {
  if (path.root()) return config::parse_document(body, body_name);
  Statements candidate = document;
  auto parent = container_at(candidate, path, path.steps.size() - 1);
  if (!parent) return parent.error();
  const PathStep& last = path.steps.back();
  if (last.keys.empty() && is_list(last.name))
    return base::Error{to_string(path) + " is a list: add entries with `strait config add`, or " +
                       "set one entry" + key_hint(last.name)};
  const auto found = find_all(**parent, last);
  if (found.size() > 1)
    return base::Error{to_string(path) + " names " + std::to_string(found.size()) + " entries" +
                       key_hint(last.name)};
  Statement* target = found.empty() ? nullptr : &(**parent)[found.front()];

  // A leaf: one value. A container or entry: statements.
  const bool leaf = target != nullptr ? !target->has_block : false;
  bool as_value = leaf;
  if (target == nullptr && last.keys.empty()) {
    auto value = parse_single_value(body, body_name);
    as_value = value.ok();
  }
  if (as_value) {
    auto value = parse_single_value(body, body_name);
    if (!value) return value.error();
    if (target == nullptr) {
      Statement s;
      s.keyword = last.name;
      s.position = value->position;
      s.value = std::move(value).value();
      (*parent)->push_back(std::move(s));
    } else {
      target->value = std::move(value).value();
    }
    return candidate;
  }
  auto children = config::parse_document(body, body_name);
  if (!children) return children.error();
  complete_keys(*children, last, config::Position{});
  if (target == nullptr) {
    Statement s;
    s.keyword = last.name;
    s.has_block = true;
    s.children = std::move(children).value();
    (*parent)->push_back(std::move(s));
  } else {
    target->value.reset();
    target->has_block = true;
    target->children = std::move(children).value();
  }
  return candidate;
}

base::Result<Statements> add_entries(const Statements& document, const Path& path,
                                     std::string_view body, std::string_view body_name) {
  if (path.root())
    return base::Error{"add needs a list path, such as /route4 or /route4[id=NAME]/gateway"};
  const PathStep& last = path.steps.back();
  if (!last.keys.empty())
    return base::Error{"add takes the list, not an entry: /" + last.name +
                       " (the keys are in the new entry)"};
  Statements candidate = document;
  auto parent = container_at(candidate, path, path.steps.size() - 1);
  if (!parent) return parent.error();
  for (const auto& s : **parent)
    if (s.keyword == last.name && !s.has_block)
      return base::Error{to_string(path) + " is a leaf, not a list"};
  auto parsed = config::parse_document(body, body_name);
  if (!parsed) return parsed.error();
  Statements entries;
  bool wrapped = !parsed->empty();
  for (const auto& s : *parsed)
    if (s.keyword != last.name || !s.has_block) wrapped = false;
  if (wrapped) {
    entries = std::move(parsed).value();
  } else {
    Statement entry;
    entry.keyword = last.name;
    entry.has_block = true;
    entry.children = std::move(parsed).value();
    entries.push_back(std::move(entry));
  }
  Statements& siblings = **parent;
  for (auto& entry : entries) {
    for (const auto& s : siblings)
      if (s.keyword == last.name && same_keys(s, entry))
        return base::Error{to_string(path) + key_text(entry) +
                           " exists: change it with `strait config set`"};
    std::size_t at = siblings.size();
    for (std::size_t i = 0; i < siblings.size(); ++i)
      if (siblings[i].keyword == last.name) at = i + 1;
    siblings.insert(siblings.begin() + static_cast<std::ptrdiff_t>(at), std::move(entry));
  }
  return candidate;
}

base::Result<Statements> remove_subtree(const Statements& document, const Path& path) {
  if (path.root()) return base::Error{"cannot remove / (set a new configuration instead)"};
  Statements candidate = document;
  auto parent = container_at(candidate, path, path.steps.size() - 1);
  if (!parent) return parent.error();
  const PathStep& last = path.steps.back();
  const auto found = find_all(**parent, last);
  if (found.empty()) return base::Error{"nothing at " + to_string(path)};
  if (last.keys.empty() && is_list(last.name))
    return base::Error{to_string(path) + " is a list: remove one entry at a time" +
                       key_hint(last.name)};
  if (found.size() > 1)
    return base::Error{to_string(path) + " names " + std::to_string(found.size()) + " entries" +
                       key_hint(last.name)};
  (*parent)->erase((*parent)->begin() + static_cast<std::ptrdiff_t>(found.front()));
  return candidate;
}

}  // namespace strait::control
