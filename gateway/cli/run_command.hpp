#pragma once

#include <string_view>

namespace strait::cli {

// strait run --name NAME [--config FILE] [--xdp | --af-packet] [--cpu LIST] [--busywait]
//            [--realtime] [--metrics ADDRESS:PORT]
int run_command(int argc, char** argv);
// Its --help text.
std::string_view run_usage();

}  // namespace strait::cli
