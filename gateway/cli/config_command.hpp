#pragma once

#include <string_view>

namespace strait::cli {

// strait config get|set|add|remove|get-state NAME PATH [--json] [--queue N] [--secrets]
int config_command(int argc, char** argv);
// Its --help text.
std::string_view config_usage();
// strait ps
int ps_command(int argc, char** argv);
// Its --help text.
std::string_view ps_usage();

}  // namespace strait::cli
