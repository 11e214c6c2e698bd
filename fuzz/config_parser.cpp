// Fuzz target: a configuration file (CONFIG.md) as `strait run --config`
// reads it. The input is the file's text.
//
// Properties beyond "no crash, no sanitizer report":
// * config::load() and config::parse_document() agree: load fails wherever
//   parsing fails.
// * A parsed document printed back (control::print_statements, what
//   `strait config get` shows) parses into the same tree, and loads or not
//   exactly as the original did.
// * No error message, and no redacted print, carries a value of
//   preshared-key, key or salt that looks like key material (16 or more
//   hex digits) and is written nowhere else in the document.
// * A loaded configuration passes config::warnings_of().
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.hpp"
#include "config/syntax_tree.hpp"
#include "config/warnings.hpp"
#include "control/printer.hpp"
#include "fuzz_check.hpp"

using namespace strait;
using fuzz::check;

namespace {

bool looks_like_key(std::string_view text) {
  if (text.size() < 16) return false;
  for (char c : text) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

// The values of secret leaves, and every other word of the document
// (keywords, values of other leaves).
void collect(const config::Statements& statements, std::vector<std::string>& secrets,
             std::vector<std::string>& others) {
  for (const auto& s : statements) {
    others.push_back(s.keyword);
    if (s.value) {
      if (control::is_secret_leaf(s.keyword))
        secrets.emplace_back(s.value->text.view());
      else
        others.emplace_back(s.value->text.view());
    }
    collect(s.children, secrets, others);
  }
}

// The secrets that look like key material and appear nowhere else in the
// document (a value copied under another keyword is not redacted, nor
// should it be).
std::vector<std::string> secrets_of(const config::Statements& document) {
  std::vector<std::string> secrets, others, out;
  collect(document, secrets, others);
  for (const auto& secret : secrets) {
    if (!looks_like_key(secret)) continue;
    bool elsewhere = false;
    for (const auto& other : others)
      elsewhere = elsewhere || other.find(secret) != std::string::npos;
    if (!elsewhere) out.push_back(secret);
  }
  return out;
}

void check_no_secret(std::string_view text, const std::vector<std::string>& secrets,
                     std::string_view what) {
  for (const auto& secret : secrets)
    if (text.find(secret) != std::string_view::npos) fuzz::fail(what);
}

// The same tree, positions aside.
bool same_tree(const config::Statements& a, const config::Statements& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto& x = a[i];
    const auto& y = b[i];
    if (x.keyword != y.keyword || x.has_block != y.has_block ||
        x.value.has_value() != y.value.has_value())
      return false;
    if (x.value && (x.value->text != y.value->text || x.value->quoted != y.value->quoted))
      return false;
    if (!same_tree(x.children, y.children)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto loaded = config::load(text, "fuzz.conf");
  const auto document = config::parse_document(text, "fuzz.conf");
  if (!document) {
    check(!loaded, "load accepted what parse_document refused");
    return 0;
  }
  const std::vector<std::string> secrets = secrets_of(*document);
  if (!loaded) {
    check_no_secret(loaded.error().message, secrets, "a load error shows key material");
  } else {
    for (const auto& warning : config::warnings_of(*loaded))
      check_no_secret(warning, secrets, "a warning shows key material");
  }

  const std::string redacted(control::print_statements(*document, {.secrets = false}).view());
  check_no_secret(redacted, secrets, "the redacted print shows key material");
  check_no_secret(control::json_of_statements(*document, {.secrets = false}), secrets,
                  "the redacted JSON shows key material");

  const std::string printed(control::print_statements(*document, {.secrets = true}).view());
  const auto reparsed = config::parse_document(printed, "printed.conf");
  check(reparsed.ok(), "the printed document does not parse");
  check(same_tree(*document, *reparsed), "the printed document parses into another tree");
  const auto reloaded = config::load(printed, "printed.conf");
  check(reloaded.ok() == loaded.ok(), "the printed document loads differently");
  return 0;
}
