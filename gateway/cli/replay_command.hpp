#pragma once

#include <string_view>

namespace strait::cli {

// strait replay --config FILE [--private-in A.pcap] [--public-in B.pcap] --out DIR
//               [--seed N] [--loopback-esp] [--answer-neighbors] [--initial-seq N]
//               [--until SECONDS]
// Parses the arguments into replay::ReplayOptions and runs the replay
// (replay/replay_session.hpp).
int replay_command(int argc, char** argv);
// Its --help text.
std::string_view replay_usage();

}  // namespace strait::cli
