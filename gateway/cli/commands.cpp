#include "cli/commands.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <string>

#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "cli/bench_command.hpp"
#include "cli/check_host_command.hpp"
#include "cli/config_command.hpp"
#include "cli/flood_command.hpp"
#include "cli/keygen_command.hpp"
#include "cli/replay_command.hpp"
#include "cli/run_command.hpp"
#include "cli/sim_command.hpp"
#include "cli/top_command.hpp"
#include "cli/wan_command.hpp"

namespace strait::cli {

namespace {

constexpr const char* kHelpUsage =
    "usage: strait help [COMMAND | --man]\n"
    "  Prints the commands (as strait --help does), the options of COMMAND (as\n"
    "  strait COMMAND --help does), or the strait(8) man page, written from\n"
    "  those same texts.\n"
    "  --man  the man page (man(7) source) on standard output; the build writes\n"
    "         it to build/strait.8: man -l build/strait.8\n";

std::string_view help_usage() {
  return kHelpUsage;
}
int help_command(int argc, char** argv);

constexpr std::string_view kSummary = "strait - the Strait IPsec VPN gateway (Vita)";
constexpr std::string_view kDescription =
    "Strait routes IPv4 or IPv6 between private networks through ESP tunnels "
    "(AES-GCM) whose keys the vita-ske key exchange negotiates from a pre-shared "
    "key, as Vita does, byte for byte. It reads Vita's configuration files and "
    "drives kernel interfaces with AF_XDP or AF_PACKET.";

constexpr Command kCommands[] = {
    {"run", "the gateway on kernel interfaces (AF_XDP or AF_PACKET), until SIGTERM", run_usage,
     run_command},
    {"check-host",
     "is this machine ready to run a gateway? the kernel, bpffs, each interface (up, "
     "channels, MTU, offloads), the CPUs, locked memory; --apply fixes what it can",
     check_host_usage, check_host_command},
    {"keygen", "a new random pre-shared key, 64 hex digits", keygen_usage, keygen_command},
    {"config",
     "get | set | add | remove | get-state NAME PATH: read or change a running gateway's "
     "configuration, read its state",
     config_usage, config_command},
    {"ps", "the running gateways", ps_usage, ps_command},
    {"top", "live view of a running gateway: rates, drops and errors, SAs", top_usage, top_command},
    {"bench",
     "software benchmark (one gateway looped back to itself; --ake: key exchanges between "
     "two gateways)",
     bench_usage, bench_command},
    {"replay", "the gateway on a virtual clock over captures: pcaps in, pcaps out", replay_usage,
     replay_command},
    {"sim",
     "regions of gateways on simulated links and virtual time: scenarios, invariants, "
     "--explore for random faults",
     sim_usage, sim_command},
    {"wan",
     "a WAN link emulator between two interfaces (delay, jitter, loss, rate, MTU), until "
     "SIGTERM",
     wan_usage, wan_command},
    {"flood", "forged key-exchange and ESP frames at a gateway, for flood tests", flood_usage,
     flood_command},
    {"help", "this text; help COMMAND: the options of COMMAND; help --man: the man page",
     help_usage, help_command},
};

constexpr ManEntry kFiles[] = {
    {"/etc/strait/NAME.conf",
     "the configuration of the gateway NAME (strait run --name NAME without --config, "
     "strait check-host --name NAME); readable and writable by its owner alone when it "
     "holds keys"},
    {"/run/strait/NAME/",
     "a gateway's pid file, its gateway-state (rewritten every second) and "
     "static-sa-sequences (kept across restarts)"},
    {"/run/strait/NAME.sock", "a running gateway's control socket (strait config, strait top)"},
};

constexpr ManEntry kEnvironment[] = {
    {"STRAIT_CONFIG_DIR", "replaces /etc/strait"},
    {"STRAIT_RUN_DIR", "replaces /run/strait"},
};

constexpr std::string_view kSeeAlso[] = {"ethtool(8)", "ip(8)", "systemctl(1)"};

constexpr std::size_t kWidth = 80;

int help_command(int argc, char** argv) {
  bool man = false;
  std::string_view topic;
  ArgumentReader reader("strait help", kHelpUsage);
  reader.flag("--man", man);
  reader.positionals([&](std::string_view argument) -> base::Status {
    if (!topic.empty()) return base::Error{"one COMMAND at most"};
    topic = argument;
    return base::Ok{};
  });
  if (auto done = reader.read(argc, argv)) return *done;
  if (man && !topic.empty()) return reader.usage_error("--man and COMMAND exclude each other");
  if (man) {
    std::fputs(render_man_page(man_page_source()).c_str(), stdout);
    return 0;
  }
  if (topic.empty()) {
    std::fputs(main_usage().c_str(), stdout);
    return 0;
  }
  const Command* command = find_command(topic);
  if (command == nullptr) return reader.usage_error("unknown command '" + std::string(topic) + "'");
  const std::string_view usage = command->usage();
  std::fwrite(usage.data(), 1, usage.size(), stdout);
  return 0;
}

// "  TERM  text..." lines, the texts aligned at `column`.
std::string term_lines(std::string_view term, std::string_view text, std::size_t column) {
  std::string out = "  " + std::string(term);
  std::size_t at = out.size();
  if (at + 2 > column) {
    out += '\n';
    out += std::string(column, ' ');
  } else {
    out += std::string(column - at, ' ');
  }
  return out + wrap(text, kWidth, column, column) + "\n";
}

}  // namespace

std::span<const Command> commands() {
  return kCommands;
}

const Command* find_command(std::string_view name) {
  for (const Command& command : kCommands)
    if (command.name == name) return &command;
  return nullptr;
}

std::string wrap(std::string_view text, std::size_t width, std::size_t first, std::size_t indent) {
  std::string out;
  std::size_t column = first;
  bool line_empty = true;
  while (!text.empty()) {
    const std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const std::size_t end = std::min(text.find(' '), text.size());
    const std::string_view word = text.substr(0, end);
    text.remove_prefix(end);
    if (!line_empty && column + 1 + word.size() > width) {
      out += '\n';
      out += std::string(indent, ' ');
      column = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    line_empty = false;
  }
  return out;
}

std::string main_usage() {
  std::string out = "usage: strait <command> [options]\n";
  out += "  " + wrap(kDescription, kWidth, 2, 2) + "\n";
  out += "commands:\n";
  constexpr std::size_t kCommandColumn = 14;
  for (const Command& command : kCommands)
    out += term_lines(command.name, command.summary, kCommandColumn);
  out += "files:\n";
  constexpr std::size_t kFileColumn = 25;
  for (const ManEntry& file : kFiles)
    out += term_lines(file.term, file.text, kFileColumn);
  out += "environment:\n";
  for (const ManEntry& variable : kEnvironment)
    out += term_lines(variable.term, variable.text, kFileColumn);
  out +=
      "Run 'strait <command> --help' for the options of a command; 'strait help --man'\n"
      "prints the strait(8) man page (man -l build/strait.8).\n";
  return out;
}

ManPageSource man_page_source() {
  ManPageSource source;
  source.summary = kSummary;
  source.description = kDescription;
  for (const Command& command : kCommands)
    source.commands.push_back({command.name, command.summary, command.usage()});
  source.files.assign(std::begin(kFiles), std::end(kFiles));
  source.environment.assign(std::begin(kEnvironment), std::end(kEnvironment));
  source.see_also.assign(std::begin(kSeeAlso), std::end(kSeeAlso));
  return source;
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(main_usage().c_str(), stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  if (name == "-h" || name == "--help") {
    std::fputs(main_usage().c_str(), stdout);
    return 0;
  }
  if (const Command* command = find_command(name)) return command->run(argc - 2, argv + 2);
  std::fprintf(stderr, "strait: unknown command '%s'\n%s", argv[1], main_usage().c_str());
  return 2;
}

}  // namespace strait::cli
