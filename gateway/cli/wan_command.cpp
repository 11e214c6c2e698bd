#include "cli/wan_command.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backend/backend_kind.hpp"
#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"
#include "wan/link_profile.hpp"
#include "wan/run_link.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait wan --between IF_A IF_B [--profile NAME] [--delay MS] [--jitter MS]\n"
    "                  [--loss PERCENT] [--rate MBIT] [--mtu BYTES] [--backlog MS]\n"
    "                  [--burst-enter PERCENT] [--burst-leave PERCENT]\n"
    "                  [--burst-loss PERCENT] [--reorder PERCENT --reorder-ms MS]\n"
    "                  [--duplicate PERCENT] [--corrupt PERCENT]\n"
    "                  [--a-to-b-OPTION VALUE] [--b-to-a-OPTION VALUE] [--hold FRAMES]\n"
    "                  [--seed N] [--stats-interval S] [--af-packet | --xdp]\n"
    "  Emulates a WAN link between two interfaces, until SIGTERM or SIGINT: every\n"
    "  frame received on one is sent out of the other (a layer-2 wire: ARP and\n"
    "  all), delayed, jittered, lost, reordered, duplicated, corrupted,\n"
    "  rate-limited and MTU-limited per direction.\n"
    "  --between IF_A IF_B  the two interfaces (required)\n"
    "  --profile NAME   lan (no impairment), paris-tokyo (the default: 110 ms one\n"
    "                   way, 1 ms jitter, 10 Gbit/s) or lossy (20 ms, 2 % loss);\n"
    "                   all with a 1500-byte MTU\n"
    "  --delay MS       one-way delay (decimals allowed)\n"
    "  --jitter MS      each frame's delay varies by up to +-MS (uniformly); jitter\n"
    "                   alone never reorders frames\n"
    "  --loss PERCENT   random loss, 0 to 100 (in the good state of the bursty\n"
    "                   loss below)\n"
    "  --burst-enter PERCENT  bursty loss (Gilbert-Elliott): each frame, the\n"
    "                   chance to go from the good state to the bad one (0: no\n"
    "                   bursty loss)\n"
    "  --burst-leave PERCENT  each frame, the chance to go from bad back to good\n"
    "  --burst-loss PERCENT   loss while bad (default 100)\n"
    "  --reorder PERCENT  the share of frames held --reorder-ms longer, overtaken\n"
    "                   by those behind them (both needed)\n"
    "  --reorder-ms MS  how much longer a reordered frame is held\n"
    "  --duplicate PERCENT  frames sent twice\n"
    "  --corrupt PERCENT  frames with one byte past the Ethernet header flipped\n"
    "  --rate MBIT      link rate in Mbit/s (0: unlimited)\n"
    "  --mtu BYTES      largest IP packet carried; larger frames are dropped\n"
    "                   without ICMP (0: no limit)\n"
    "  --backlog MS     with a rate: frames that would queue longer are dropped\n"
    "                   (default 100)\n"
    "  --a-to-b-OPTION VALUE, --b-to-a-OPTION VALUE\n"
    "                   an option above for one direction only (--a-to-b-delay MS,\n"
    "                   --b-to-a-loss PERCENT, ...), after the profile and the\n"
    "                   two-way options\n"
    "  --hold FRAMES    frames held per direction at most (default 8192: 110 ms of\n"
    "                   about 900 Mbit/s of full-size frames); more are dropped\n"
    "  --seed N         deterministic impairments (default: system randomness)\n"
    "  --stats-interval S  print the counters every S seconds\n"
    "  --af-packet      AF_PACKET ports (the default)\n"
    "  --xdp            AF_XDP ports\n"
    "  Prints one line when it starts and the counters of each direction when it\n"
    "  stops.\n";

// One impairment setting, as given on the command line.
struct Setting {
  std::string option;  // as given: --delay, --a-to-b-loss, ...
  std::string name;    // delay, jitter, loss, rate, mtu, backlog, reorder-ms, ...
  std::string value;
};

// Applies `setting` to `profile`; an error message when the value is bad.
std::optional<std::string> apply(const Setting& setting, wan::LinkProfile& profile) {
  const auto bad = [&](const std::string& expected) {
    return std::optional<std::string>(setting.option + " '" + setting.value + "': " + expected);
  };
  const auto milliseconds = [&](base::Nanoseconds& into) -> std::optional<std::string> {
    const auto v = parse_decimal(setting.value, 60'000);
    if (!v) return bad("expected milliseconds from 0 to 60000");
    into = static_cast<base::Nanoseconds>(std::llround(*v * 1e6));
    return std::nullopt;
  };
  const auto percent = [&](double& into) -> std::optional<std::string> {
    const auto v = parse_decimal(setting.value, 100);
    if (!v) return bad("expected a percentage from 0 to 100");
    into = *v / 100;
    return std::nullopt;
  };
  if (setting.name == "delay") return milliseconds(profile.delay);
  if (setting.name == "jitter") return milliseconds(profile.jitter);
  if (setting.name == "backlog") return milliseconds(profile.max_backlog);
  if (setting.name == "reorder-ms") return milliseconds(profile.reorder_delay);
  if (setting.name == "loss") return percent(profile.loss);
  if (setting.name == "burst-enter") return percent(profile.burst_enter);
  if (setting.name == "burst-leave") return percent(profile.burst_leave);
  if (setting.name == "burst-loss") return percent(profile.burst_loss);
  if (setting.name == "reorder") return percent(profile.reorder);
  if (setting.name == "duplicate") return percent(profile.duplicate);
  if (setting.name == "corrupt") return percent(profile.corrupt);
  if (setting.name == "rate") {
    const auto v = parse_decimal(setting.value, 1e6);
    if (!v) return bad("expected Mbit/s from 0 (unlimited) to 1000000");
    profile.rate = static_cast<std::uint64_t>(std::llround(*v * 1e6));
    if (*v > 0 && profile.rate < 1000) return bad("expected at least 0.001 Mbit/s");
    return std::nullopt;
  }
  if (setting.name == "mtu") {
    const auto v = parse_count(setting.value, 65535);
    if (!v || (*v != 0 && *v < 68)) return bad("expected bytes from 68 to 65535 (0: no limit)");
    profile.mtu = static_cast<std::uint32_t>(*v);
    return std::nullopt;
  }
  return bad("unknown setting");
}

}  // namespace

std::string_view wan_usage() {
  return kUsage;
}

int wan_command(int argc, char** argv) {
  wan::LinkOptions options;
  std::vector<Setting> both_ways;
  std::vector<Setting> a_to_b;
  std::vector<Setting> b_to_a;
  bool xdp = false;
  bool af_packet = false;
  const base::Status ok = base::Ok{};

  ArgumentReader reader("strait wan", kUsage);
  reader.option("--between", "two interface names", 2,
                [&](std::span<const std::string_view> names) {
                  options.if_a = names[0];
                  options.if_b = names[1];
                  return ok;
                });
  reader.option("--profile", "a name: " + std::string(wan::profile_names()),
                [&](std::string_view name) {
                  options.profile_name = name;
                  return ok;
                });
  reader.option("--hold", "a number of frames from 1 to 1048576",
                [&](std::string_view v) -> base::Status {
                  const auto n = parse_count(v, 1u << 20);
                  if (!n || *n == 0)
                    return base::Error{"--hold needs a number of frames from 1 to 1048576"};
                  options.emulator.hold_capacity = static_cast<std::size_t>(*n);
                  return ok;
                });
  reader.option("--seed", "a non-negative integer", [&](std::string_view v) -> base::Status {
    const auto n = parse_count(v, ~std::uint64_t{0} >> 11);
    if (!n) return base::Error{"--seed needs a non-negative integer"};
    options.seed = *n;
    return ok;
  });
  reader.option(
      "--stats-interval", "seconds from 0.1 to 86400", [&](std::string_view v) -> base::Status {
        const auto seconds = parse_decimal(v, 86400);
        if (!seconds || *seconds < 0.1)
          return base::Error{"--stats-interval needs seconds from 0.1 to 86400"};
        options.stats_interval = static_cast<base::Nanoseconds>(std::llround(*seconds * 1e9));
        return ok;
      });
  reader.flag("--xdp", xdp);
  reader.flag("--af-packet", af_packet);
  // The impairment settings: both ways (--delay), or one direction
  // (--a-to-b-delay, --b-to-a-delay), each kept in order.
  const auto settings = [&](const std::string& prefix, std::vector<Setting>& into) {
    for (const char* name :
         {"delay", "jitter", "loss", "rate", "mtu", "backlog", "burst-enter", "burst-leave",
          "burst-loss", "reorder", "reorder-ms", "duplicate", "corrupt"}) {
      const std::string option = prefix + name;
      reader.option(option, "a value", [&into, option, name](std::string_view value) {
        into.push_back({option, name, std::string(value)});
        return base::Status(base::Ok{});
      });
    }
  };
  settings("--", both_ways);
  settings("--a-to-b-", a_to_b);
  settings("--b-to-a-", b_to_a);
  if (auto done = reader.read(argc, argv)) return *done;

  if (options.if_a.empty()) return reader.usage_error("--between IF_A IF_B is required");
  if (options.if_a == options.if_b)
    return reader.usage_error("--between needs two different interfaces");
  if (xdp && af_packet) return reader.usage_error("--xdp and --af-packet exclude each other");
  const auto base_profile = wan::named_profile(options.profile_name);
  if (!base_profile)
    return reader.usage_error("unknown profile '" + options.profile_name + "': expected one of " +
                              std::string(wan::profile_names()));
  wan::LinkProfile both = *base_profile;
  for (const Setting& setting : both_ways)
    if (auto error = apply(setting, both)) return reader.usage_error(*error);
  auto& profiles = options.emulator.profiles;
  profiles = {both, both};
  for (const Setting& setting : a_to_b)
    if (auto error = apply(setting, profiles.a_to_b)) return reader.usage_error(*error);
  for (const Setting& setting : b_to_a)
    if (auto error = apply(setting, profiles.b_to_a)) return reader.usage_error(*error);
  for (const wan::LinkProfile* profile : {&profiles.a_to_b, &profiles.b_to_a})
    if ((profile->reorder > 0) != (profile->reorder_delay > 0))
      return reader.usage_error("--reorder and --reorder-ms go together (both above 0)");

  options.backend = xdp ? backend::BackendKind::kXdp : backend::BackendKind::kAfPacket;
  if (!backend::backend_available(options.backend))
    return reader.usage_error("this build has no " +
                              std::string(backend::backend_name(options.backend)) + " backend");
  if (auto ran = wan::run_link(options); !ran) {
    std::fprintf(stderr, "strait wan: %s\n", ran.error().message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace strait::cli
