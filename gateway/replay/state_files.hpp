#pragma once
// The gateway-state files a replay (and later the simulator) leaves in its
// output directory: `gateway-state`, the text `strait config get-state`
// prints, and `gateway-state.json`, the same tree as JSON.

#include <span>
#include <string>

#include "base/result.hpp"
#include "worker/worker.hpp"

namespace strait::replay {

base::Status write_state_files(const std::string& directory,
                               std::span<const worker::Worker* const> workers);

}  // namespace strait::replay
