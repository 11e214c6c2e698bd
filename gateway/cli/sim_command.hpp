#pragma once

#include <string_view>

namespace strait::cli {

// strait sim SCENARIO [--seed N] [--until SECONDS] [--out DIR] [--pcap LINK...] [--quiet]
// Loads the scenario (sim/scenario.hpp) and runs it (sim/world.hpp).
int sim_command(int argc, char** argv);
// Its --help text.
std::string_view sim_usage();

}  // namespace strait::cli
