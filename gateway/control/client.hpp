#pragma once
// The client side of the control socket, for `strait config`.

#include <string>

#include "base/result.hpp"
#include "control/protocol.hpp"

namespace strait::control {

// Sends one request to the instance `name` listening at `socket_path` and
// waits up to `timeout_ms` for its response. Errors say what to do: no
// such instance (and `strait ps`), not root, no answer.
base::Result<Response> call(const std::string& socket_path, const std::string& name,
                            const Request& request, int timeout_ms = 30'000);

}  // namespace strait::control
