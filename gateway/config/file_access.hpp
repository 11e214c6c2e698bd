#pragma once
// Who may read a configuration file that holds keys. A configuration holds
// keys when it has a pre-shared key (every route4 / route6 has one) or a
// static SA's key or salt (outbound-sa, inbound-sa). Such a file is kept
// the way ssh keeps its keys: only its owner may read or write it, and
// that owner is root or the user strait runs as. Anyone else who can read
// it has the keys; anyone else who can write it chooses them.
//
// `strait run` refuses to start (and a SIGHUP reload is refused) when the
// file breaks the rule; `strait check-host` reports it as a failure;
// `strait config set|add < FILE` warns. The mode and owner come from the
// descriptor the text was read from (config::read_file), so the check is
// about the very file that was read.

#include <cstdint>
#include <string>

#include "base/result.hpp"
#include "config/syntax_tree.hpp"

namespace strait::config {

struct FileAccess {
  std::uint32_t mode = 0;   // st_mode
  std::uint32_t owner = 0;  // st_uid
};

// Whether `document` holds key material: a preshared-key, key or salt
// statement with a value, at any depth (the schema need not have been
// applied: a list entry for `strait config add` counts too).
bool holds_keys(const Statements& document);

// Ok when a file that holds keys may stay as it is for a process running
// as `user`; otherwise the error says what is wrong and the command that
// fixes it (`chmod 600 PATH`, `chown root PATH`).
base::Status check_key_file_access(const std::string& path, const FileAccess& access,
                                   std::uint32_t user);

}  // namespace strait::config
