#pragma once
// `strait top NAME`: a live view of a running gateway.

namespace strait::cli {

int top_command(int argc, char** argv);

}  // namespace strait::cli
