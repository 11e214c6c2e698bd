#pragma once
// `strait sim --explore N --seed S`: N random scenarios (seeds S, S+1,
// ...): 2 to 6 regions in a full mesh of routes, one or two queues each,
// random link faults (latency, jitter, loss, bursts, reordering,
// duplication, corruption), partitions, restarts, clock jumps, pre-shared
// key changes on both ends of a route, and UDP and ping flows, all within
// the ranges below. Each run checks the invariants (and convergence after
// the last fault); for a failure it prints the seed and the command that
// replays it, then shrinks the run (a shorter run, fewer events, flows and
// impairments) while it still fails, and writes the smallest failing
// scenario as a .sim file with its configurations.

#include <cstdint>
#include <iosfwd>
#include <string>

#include "base/result.hpp"
#include "sim/scenario.hpp"

namespace strait::sim {

// The random scenario of `seed` (configurations inline).
Scenario random_scenario(std::uint64_t seed);

// The scenario as a .sim file in `directory`, with its regions'
// configurations beside it (NAME-REGION.conf); returns the file's path.
base::Result<std::string> write_scenario(const Scenario& scenario, const std::string& directory,
                                         const std::string& name);

struct ExploreOptions {
  std::uint64_t runs = 10;
  std::uint64_t seed = 1;
  std::string out_dir = "sim-explore";  // where a failure's shrunk scenario goes
};

// Returns the number of failing seeds (0: nothing found); progress and
// failures on `out`.
base::Result<std::uint64_t> explore(const ExploreOptions& options, std::ostream& out);

}  // namespace strait::sim
