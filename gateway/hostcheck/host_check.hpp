#pragma once
// `strait check-host`: whether this machine can run the gateway of a
// configuration as `strait run` would, each check a line with its fix
// (checks.hpp), and --apply: the fixes that are safe to make unasked
// (queue counts, offloads, bpffs, links up), then the checks again.

#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend_kind.hpp"
#include "base/result.hpp"
#include "hostcheck/finding.hpp"
#include "hostcheck/system.hpp"

namespace strait::hostcheck {

struct Options {
  std::string config_path;
  std::string name;  // the instance name; empty: its check is skipped
  backend::BackendKind backend = backend::BackendKind::kXdp;
  std::vector<int> cpus;   // as strait run --cpu takes them
  std::string run_root;    // daemon::run_root()
  std::uint32_t user = 0;  // the user strait runs as (geteuid())
  Roots roots;
};

// The configuration first (it must load, and a file holding keys must be
// its owner's alone, as strait run requires), then the kernel, bpffs, each
// interface, the CPUs, locked memory and the instance name.
Report check_host(const Options& options, System& system);

struct Applied {
  std::string fix;  // what was done, as a command ("ethtool -L eth1 combined 2")
  base::Status status;
};
// Runs the remedies of the report's warn and FAIL findings, in their order.
std::vector<Applied> apply_fixes(const Report& report, System& system);

}  // namespace strait::hostcheck
