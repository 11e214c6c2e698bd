#pragma once

#include <string_view>

namespace strait::cli {

// strait bench [--size 60|IMIX|BYTES] [--packets N] [--routes N] [--queues N] [--rounds N]
//              [--cpu N] [--json] [--host-thread] [--key-exchange ...]
// strait bench --ake [--routes N] [--cpu N] [--json]
int bench_command(int argc, char** argv);
// Its --help text.
std::string_view bench_usage();

}  // namespace strait::cli
