#pragma once
// `strait top NAME`: a live view of a running gateway.

#include <string_view>

namespace strait::cli {

int top_command(int argc, char** argv);
// Its --help text.
std::string_view top_usage();

}  // namespace strait::cli
