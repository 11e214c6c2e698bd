#pragma once
// `strait check-host`: the preflight on the machine that is to run a
// gateway (hostcheck/host_check.hpp).

#include <string_view>

namespace strait::cli {

int check_host_command(int argc, char** argv);
// Its --help text.
std::string_view check_host_usage();

}  // namespace strait::cli
