#pragma once
// Reading a Vita configuration file: syntax (YANG data text as used by
// `snabb config`), then validation against the vita-esp-gateway schema.

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/secure_string.hpp"
#include "config/file_access.hpp"
#include "config/gateway_config.hpp"

namespace strait::config {

// Parses and validates. On error, Error::message is
// "<file>:<line>:<column>: <what was expected / what is wrong>", and never
// contains key material.
base::Result<GatewayConfig> load(std::string_view text, std::string_view file_name);
base::Result<GatewayConfig> load_file(const std::string& path);

// The bytes of a configuration file, read with read(2) straight into the
// secure heap (no stdio or stream buffer holds a copy): the file may hold
// keys. Errors name the path and the cause. `access`, when given, gets the
// mode and owner of the file read (fstat of the same descriptor), for
// check_key_file_access.
base::Result<base::SecureString> read_file(const std::string& path, FileAccess* access = nullptr);

}  // namespace strait::config
