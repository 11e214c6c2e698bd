// strait: the Strait gateway's command line. The commands, their --help and
// the man page come from one table (cli/commands.hpp).

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  return strait::cli::dispatch(argc, argv);
}
