#pragma once

namespace strait::cli {

// strait run --name NAME [--xdp | --af-packet] [--cpu LIST] [--busywait] [--realtime]
//            --config FILE
int run_command(int argc, char** argv);

}  // namespace strait::cli
