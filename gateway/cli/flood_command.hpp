#pragma once

#include <string_view>

namespace strait::cli {

// strait flood --interface IF --gateway IP --gateway-mac MAC --peer IP
//              --kind NAME COUNT [--kind NAME COUNT]... [--route-spi N] [--spi N]
//              [--exclude-spi N]... [--sequence N] [--esp-body BYTES] [--port N]
//              [--rate FRAMES_PER_SECOND] [--seconds S] [--seed N] [--batch N] [--json]
// Forged key-exchange and ESP frames at a gateway's public interface, for the
// flood lab test (flood/run_flood.hpp).
int flood_command(int argc, char** argv);
// Its --help text.
std::string_view flood_usage();

}  // namespace strait::cli
