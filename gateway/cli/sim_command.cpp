#include "cli/sim_command.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"
#include "sim/explore.hpp"
#include "sim/scenario.hpp"
#include "sim/world.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait sim SCENARIO [--seed N] [--until SECONDS] [--out DIR] [--pcap LINK]...\n"
    "                  [--quiet]\n"
    "       strait sim --explore N [--seed S] [--out DIR]\n"
    "  Runs the regions of SCENARIO (sim/scenarios/*.sim): real gateways, the hosts\n"
    "  behind them and simulated links between them, on a virtual clock that jumps\n"
    "  from event to event. Checks the scenario's expectations and the invariants\n"
    "  (no plaintext on public links, no nonce reused, no packet delivered twice or\n"
    "  forged, SAs within their lifetime, convergence after the last fault).\n"
    "  --seed N         the run's randomness (default 1): same seed, same outputs\n"
    "  --until SECONDS  run this long instead of the scenario's duration\n"
    "  --out DIR        summary.txt, samples.csv, events.csv (and plot.svg with\n"
    "                   sim/plot.py), LINK.pcap for each --pcap\n"
    "  --pcap LINK      every frame crossing the link between two regions\n"
    "                   (REGION-REGION, e.g. paris-tokyo), both ways\n"
    "  --quiet          no summary on stdout, no gateway log lines\n"
    "  --explore N      N random scenarios (seeds S, S+1, ...; 2 to 6 regions, link\n"
    "                   faults, partitions, restarts, clock jumps, key changes),\n"
    "                   invariants checked; a failure prints its seed and the command\n"
    "                   that replays it, and is shrunk to a smaller failing scenario\n"
    "                   written to DIR (default sim-explore/)\n"
    "  Exit status: 0 when every expectation and invariant held, 1 when not, 2 on a\n"
    "  usage error. sim/README.md describes scenarios.\n";

// sim/plot.py: $STRAIT_SIM_PLOT, or beside the source tree the binary was
// built in (build/strait -> sim/plot.py); empty when there is none.
std::string plot_script() {
  if (const char* path = std::getenv("STRAIT_SIM_PLOT")) return path;
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "";
  for (auto dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path()) {
    const auto candidate = dir / "sim" / "plot.py";
    if (std::filesystem::exists(candidate, error)) return candidate.string();
  }
  return "";
}

// Draws DIR/plot.svg with sim/plot.py and Debian's python3-matplotlib; a
// note on stderr when it cannot.
void plot(const std::string& dir) {
  const std::string script = plot_script();
  if (script.empty()) {
    std::fprintf(stderr, "strait sim: no plot (sim/plot.py not found; set STRAIT_SIM_PLOT)\n");
    return;
  }
  const auto quoted = [](const std::string& s) {
    std::string q = "'";
    for (char c : s)
      q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
  };
  const std::string command =
      "/usr/bin/python3 " + quoted(script) + " " + quoted(dir) + " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0)
    std::fprintf(stderr, "strait sim: no plot (%s failed: is python3-matplotlib installed?)\n",
                 script.c_str());
}

}  // namespace

std::string_view sim_usage() {
  return kUsage;
}

int sim_command(int argc, char** argv) {
  sim::RunOptions options;
  std::string scenario_path;
  bool quiet = false;
  std::optional<std::uint64_t> explore_runs;
  ArgumentReader reader("strait sim", kUsage);
  reader.positionals([&](std::string_view v) -> base::Status {
    if (!scenario_path.empty()) return base::Error{"one scenario at a time"};
    scenario_path = v;
    return base::Ok{};
  });
  reader.option("--seed", "a non-negative integer", [&](std::string_view v) -> base::Status {
    std::uint64_t n = 0;
    const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (error != std::errc{} || end != v.data() + v.size())
      return base::Error{"--seed needs a non-negative integer"};
    options.seed = n;
    return base::Ok{};
  });
  reader.option("--until", "seconds", [&](std::string_view v) -> base::Status {
    const auto s = parse_decimal(v, 1e8);
    if (!s || *s <= 0) return base::Error{"--until needs seconds from 0 to 100000000"};
    options.until = static_cast<base::Nanoseconds>(std::llround(*s * 1e9));
    return base::Ok{};
  });
  reader.option("--out", "a directory", [&](std::string_view v) -> base::Status {
    options.out_dir = v;
    return base::Ok{};
  });
  reader.option("--pcap", "a link (REGION-REGION)", [&](std::string_view v) -> base::Status {
    options.pcap_links.emplace_back(v);
    return base::Ok{};
  });
  reader.flag("--quiet", quiet);
  reader.option("--explore", "a number of runs", [&](std::string_view v) -> base::Status {
    const auto n = parse_count(v, 1'000'000);
    if (!n || *n == 0) return base::Error{"--explore needs a number of runs from 1 to 1000000"};
    explore_runs = *n;
    return base::Ok{};
  });
  if (auto done = reader.read(argc, argv)) return *done;
  if (explore_runs) {
    if (!scenario_path.empty()) return reader.usage_error("--explore takes no SCENARIO");
    base::set_log_muted(true);
    sim::ExploreOptions explore;
    explore.runs = *explore_runs;
    explore.seed = options.seed;
    if (!options.out_dir.empty()) explore.out_dir = options.out_dir;
    auto failing = sim::explore(explore, std::cout);
    if (!failing) {
      std::fprintf(stderr, "strait sim: %s\n", failing.error().message.c_str());
      return 1;
    }
    return *failing == 0 ? 0 : 1;
  }
  if (scenario_path.empty()) return reader.usage_error("a SCENARIO file is required");
  if (quiet) base::set_log_muted(true);

  auto scenario = sim::load_scenario(scenario_path);
  if (!scenario) {
    std::fprintf(stderr, "strait sim: %s\n", scenario.error().message.c_str());
    return 1;
  }
  const auto started = std::chrono::steady_clock::now();
  auto world = sim::World::create(*scenario, options);
  if (!world) {
    std::fprintf(stderr, "strait sim: %s\n", world.error().message.c_str());
    return 1;
  }
  auto result = (*world)->run();
  if (!result) {
    std::fprintf(stderr, "strait sim: %s\n", result.error().message.c_str());
    return 1;
  }
  const double real =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (!quiet) std::fputs(result->summary.c_str(), stdout);
  if (!options.out_dir.empty()) plot(options.out_dir);
  // Real time stays out of the outputs (they are the same on every run).
  std::fprintf(stderr, "strait sim: %.0f simulated seconds in %.2f s of real time (%.0fx)\n",
               static_cast<double>(result->simulated) / 1e9, real,
               static_cast<double>(result->simulated) / 1e9 / std::max(real, 1e-9));
  return result->passed ? 0 : 1;
}

}  // namespace strait::cli
