// strait: the Strait gateway's command line.

#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/bench_command.hpp"
#include "cli/config_command.hpp"
#include "cli/flood_command.hpp"
#include "cli/replay_command.hpp"
#include "cli/run_command.hpp"
#include "cli/sim_command.hpp"
#include "cli/top_command.hpp"
#include "cli/wan_command.hpp"

namespace {

constexpr const char* kUsage =
    "usage: strait <command> [options]\n"
    "commands:\n"
    "  bench    software benchmark (one gateway looped back to itself; --ake: key\n"
    "           exchanges between two gateways)\n"
    "  run      the gateway on kernel interfaces (AF_XDP or AF_PACKET), until SIGTERM\n"
    "  replay   the gateway on a virtual clock over captures: pcaps in, pcaps out\n"
    "  sim      regions of gateways on simulated links and virtual time: scenarios,\n"
    "           invariants, --explore for random faults\n"
    "  wan      a WAN link emulator between two interfaces (delay, jitter, loss,\n"
    "           rate, MTU), until SIGTERM\n"
    "  flood    forged key-exchange and ESP frames at a gateway, for flood tests\n"
    "  top      live view of a running gateway: rates, drops and errors, SAs\n"
    "  config   get | set | add | remove | get-state NAME PATH: read or change a running\n"
    "           gateway's configuration, read its state\n"
    "  ps       the running gateways\n"
    "  help     this text\n"
    "Run 'strait <command> --help' for the options of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "bench") return strait::cli::bench_command(argc - 2, argv + 2);
  if (command == "run") return strait::cli::run_command(argc - 2, argv + 2);
  if (command == "sim") return strait::cli::sim_command(argc - 2, argv + 2);
  if (command == "replay") return strait::cli::replay_command(argc - 2, argv + 2);
  if (command == "wan") return strait::cli::wan_command(argc - 2, argv + 2);
  if (command == "flood") return strait::cli::flood_command(argc - 2, argv + 2);
  if (command == "top") return strait::cli::top_command(argc - 2, argv + 2);
  if (command == "config") return strait::cli::config_command(argc - 2, argv + 2);
  if (command == "ps") return strait::cli::ps_command(argc - 2, argv + 2);
  if (command == "help" || command == "-h" || command == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::fprintf(stderr, "strait: unknown command '%s'\n%s", argv[1], kUsage);
  return 2;
}
