#pragma once

#include <string_view>

namespace strait::cli {

// strait wan --between IF_A IF_B [--profile lan|paris-tokyo|lossy] [--delay MS]
//            [--jitter MS] [--loss PERCENT] [--rate MBIT] [--mtu BYTES] [--backlog MS]
//            [--a-to-b-... | --b-to-a-... VALUE] [--hold FRAMES] [--seed N]
//            [--stats-interval S] [--af-packet | --xdp]
// Parses the arguments into wan::LinkOptions and runs the link (wan/run_link.hpp).
int wan_command(int argc, char** argv);
// Its --help text.
std::string_view wan_usage();

}  // namespace strait::cli
