#pragma once

namespace strait::cli {

// strait config get|set|add|remove|get-state NAME PATH [--json] [--queue N] [--secrets]
int config_command(int argc, char** argv);
// strait ps
int ps_command(int argc, char** argv);

}  // namespace strait::cli
