#pragma once
// Reading and editing a configuration document (config::Statements) by
// path (path.hpp), for `strait config get | set | add | remove`. The edits
// build a new document (the candidate of a transaction) and never touch
// the one they are given; the schema checks the candidate afterwards.
//
//   get    /                 the whole document
//          /private-interface4, /route4[id=tokyo]
//                            the statements inside that container / entry
//          /mtu, /route4[id=tokyo]/gateway[queue=2]/ip
//                            the leaf's value
//          /route4           every entry of the list, as `route4 { ... }`
//   set    /                 `body` is the new document
//          container / entry its statements become `body` (an entry keeps
//                            the keys of the path if `body` omits them);
//                            created if missing
//          leaf              `body` is its one value (created if missing)
//   add    /route4, /route4[id=tokyo]/gateway
//                            appends entries: `body` holds `route4 { ... }`
//                            statements, or the statements of one entry
//   remove an entry, container or leaf (a list named without keys: no)

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "config/syntax_tree.hpp"
#include "control/path.hpp"
#include "control/printer.hpp"

namespace strait::control {

// The text `get` prints (in the syntax of printer.hpp, or JSON), in the
// secure heap: with PrintOptions::secrets it holds keys.
base::Result<base::SecureString> get_text(const config::Statements& document, const Path& path,
                                          const PrintOptions& options, bool json);

// `body_name` labels positions in errors about `body` ("stdin:2:7: ...").
base::Result<config::Statements> set_subtree(const config::Statements& document, const Path& path,
                                             std::string_view body, std::string_view body_name);
base::Result<config::Statements> add_entries(const config::Statements& document, const Path& path,
                                             std::string_view body, std::string_view body_name);
base::Result<config::Statements> remove_subtree(const config::Statements& document,
                                                const Path& path);

}  // namespace strait::control
