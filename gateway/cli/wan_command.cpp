#include "cli/wan_command.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/blocked_signals.hpp"
#include "base/clock.hpp"
#include "base/random.hpp"
#include "cli/arguments.hpp"
#include "wan/link_emulator.hpp"
#include "wan/link_ports.hpp"
#include "wan/link_profile.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait wan --between IF_A IF_B [--profile NAME] [--delay MS] [--jitter MS]\n"
    "                  [--loss PERCENT] [--rate MBIT] [--mtu BYTES] [--backlog MS]\n"
    "                  [--a-to-b-OPTION VALUE] [--b-to-a-OPTION VALUE] [--hold FRAMES]\n"
    "                  [--seed N] [--stats-interval S] [--af-packet | --xdp]\n"
    "  Emulates a WAN link between two interfaces, until SIGTERM or SIGINT: every\n"
    "  frame received on one is sent out of the other (a layer-2 wire: ARP and\n"
    "  all), delayed, jittered, lost, rate-limited and MTU-limited per direction.\n"
    "  --between IF_A IF_B  the two interfaces (required)\n"
    "  --profile NAME   lan (no impairment), paris-tokyo (the default: 110 ms one\n"
    "                   way, 1 ms jitter, 10 Gbit/s) or lossy (20 ms, 2 % loss);\n"
    "                   all with a 1500-byte MTU\n"
    "  --delay MS       one-way delay (decimals allowed)\n"
    "  --jitter MS      each frame's delay varies by up to +-MS (uniformly); frames\n"
    "                   are never reordered\n"
    "  --loss PERCENT   random loss, 0 to 100\n"
    "  --rate MBIT      link rate in Mbit/s (0: unlimited)\n"
    "  --mtu BYTES      largest IP packet carried; larger frames are dropped\n"
    "                   without ICMP (0: no limit)\n"
    "  --backlog MS     with a rate: frames that would queue longer are dropped\n"
    "                   (default 100)\n"
    "  --a-to-b-delay MS, --b-to-a-loss PERCENT, ...: one direction only (after\n"
    "                   the profile and the two-way options)\n"
    "  --hold FRAMES    frames held per direction at most (default 8192: 110 ms of\n"
    "                   about 900 Mbit/s of full-size frames); more are dropped\n"
    "  --seed N         deterministic loss and jitter (default: system randomness)\n"
    "  --stats-interval S  print the counters every S seconds\n"
    "  --af-packet      AF_PACKET ports (the default)\n"
    "  --xdp            AF_XDP ports\n"
    "  Prints one line when it starts and the counters of each direction when it\n"
    "  stops.\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "strait wan: %s\n(strait wan --help lists the options)\n", message.c_str());
  return 2;
}

// A decimal number in [0, max] ("110", "0.5"); nullopt otherwise.
std::optional<double> parse_decimal(std::string_view text, double max) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  for (char c : text)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return std::nullopt;
  const std::string s(text);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v) || v < 0 || v > max) return std::nullopt;
  return v;
}

// One impairment setting, as given on the command line.
struct Setting {
  std::string name;  // delay, jitter, loss, rate, mtu, backlog
  std::string value;
};

// Applies `setting` to `profile`; an error message when the value is bad.
std::optional<std::string> apply(const Setting& setting, const std::string& option,
                                 wan::LinkProfile& profile) {
  const auto bad = [&](const std::string& expected) {
    return std::optional<std::string>(option + " '" + setting.value + "': " + expected);
  };
  const auto milliseconds = [&](base::Nanoseconds& into) -> std::optional<std::string> {
    const auto v = parse_decimal(setting.value, 60'000);
    if (!v) return bad("expected milliseconds from 0 to 60000");
    into = static_cast<base::Nanoseconds>(std::llround(*v * 1e6));
    return std::nullopt;
  };
  if (setting.name == "delay") return milliseconds(profile.delay);
  if (setting.name == "jitter") return milliseconds(profile.jitter);
  if (setting.name == "backlog") return milliseconds(profile.max_backlog);
  if (setting.name == "loss") {
    const auto v = parse_decimal(setting.value, 100);
    if (!v) return bad("expected a percentage from 0 to 100");
    profile.loss = *v / 100;
    return std::nullopt;
  }
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

bool is_setting(std::string_view name) {
  return name == "delay" || name == "jitter" || name == "loss" || name == "rate" || name == "mtu" ||
         name == "backlog";
}

std::string direction_counters(const wan::DelayLine& line, const io::Port& from,
                               const io::Port& to) {
  const auto& c = line.counters();
  char text[320];
  std::snprintf(text, sizeof text,
                "forwarded %llu (%llu bytes), dropped: loss %llu, mtu %llu, queue-full %llu, "
                "backlog %llu, receive %llu, transmit %llu; held %zu",
                static_cast<unsigned long long>(c.forwarded),
                static_cast<unsigned long long>(c.bytes),
                static_cast<unsigned long long>(c.dropped_loss),
                static_cast<unsigned long long>(c.dropped_mtu),
                static_cast<unsigned long long>(c.dropped_queue_full),
                static_cast<unsigned long long>(c.dropped_backlog),
                static_cast<unsigned long long>(from.counters().rxdrop),
                static_cast<unsigned long long>(to.counters().txdrop), line.held());
  return text;
}

void print_counters(const char* label, wan::LinkEmulator& emulator, const std::string& if_a,
                    const std::string& if_b) {
  std::printf("strait wan: %s %s->%s: %s\n", label, if_a.c_str(), if_b.c_str(),
              direction_counters(emulator.a_to_b(), emulator.a(), emulator.b()).c_str());
  std::printf("strait wan: %s %s->%s: %s\n", label, if_b.c_str(), if_a.c_str(),
              direction_counters(emulator.b_to_a(), emulator.b(), emulator.a()).c_str());
  std::fflush(stdout);
}

}  // namespace

int wan_command(int argc, char** argv) {
  std::string if_a;
  std::string if_b;
  std::string profile_name = "paris-tokyo";
  std::vector<Setting> both_ways;
  std::vector<Setting> a_to_b;
  std::vector<Setting> b_to_a;
  std::vector<std::string> a_to_b_options;
  std::vector<std::string> b_to_a_options;
  std::vector<std::string> both_options;
  wan::EmulatorOptions options;
  std::optional<std::uint64_t> seed;
  base::Nanoseconds stats_interval = 0;
  bool xdp = false;
  bool af_packet = false;

  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--between") {
      const char* a = value();
      const char* b = value();
      if (!a || !b) return usage_error("--between needs two interface names");
      if_a = a;
      if_b = b;
    } else if (arg == "--profile") {
      const char* v = value();
      if (!v) return usage_error("--profile needs a name: " + std::string(wan::profile_names()));
      profile_name = v;
    } else if (arg == "--hold") {
      const char* v = value();
      const auto n = v ? parse_count(v, 1u << 20) : std::nullopt;
      if (!n || *n == 0) return usage_error("--hold needs a number of frames from 1 to 1048576");
      options.hold_capacity = static_cast<std::size_t>(*n);
    } else if (arg == "--seed") {
      const char* v = value();
      const auto n = v ? parse_count(v, ~std::uint64_t{0} >> 11) : std::nullopt;
      if (!n) return usage_error("--seed needs a non-negative integer");
      seed = *n;
    } else if (arg == "--stats-interval") {
      const char* v = value();
      const auto s = v ? parse_decimal(v, 86400) : std::nullopt;
      if (!s || *s < 0.1) return usage_error("--stats-interval needs seconds from 0.1 to 86400");
      stats_interval = static_cast<base::Nanoseconds>(std::llround(*s * 1e9));
    } else if (arg == "--xdp") {
      xdp = true;
    } else if (arg == "--af-packet") {
      af_packet = true;
    } else if (arg.starts_with("--a-to-b-") && is_setting(arg.substr(9))) {
      const char* v = value();
      if (!v) return usage_error(arg + " needs a value");
      a_to_b.push_back({arg.substr(9), v});
      a_to_b_options.push_back(arg);
    } else if (arg.starts_with("--b-to-a-") && is_setting(arg.substr(9))) {
      const char* v = value();
      if (!v) return usage_error(arg + " needs a value");
      b_to_a.push_back({arg.substr(9), v});
      b_to_a_options.push_back(arg);
    } else if (arg.starts_with("--") && is_setting(arg.substr(2))) {
      const char* v = value();
      if (!v) return usage_error(arg + " needs a value");
      both_ways.push_back({arg.substr(2), v});
      both_options.push_back(arg);
    } else {
      return usage_error("unknown option '" + arg + "'");
    }
  }
  if (if_a.empty()) return usage_error("--between IF_A IF_B is required");
  if (if_a == if_b) return usage_error("--between needs two different interfaces");
  if (xdp && af_packet) return usage_error("--xdp and --af-packet exclude each other");
  const auto base_profile = wan::named_profile(profile_name);
  if (!base_profile)
    return usage_error("unknown profile '" + profile_name + "': expected one of " +
                       std::string(wan::profile_names()));
  wan::LinkProfile both = *base_profile;
  for (std::size_t i = 0; i < both_ways.size(); ++i)
    if (auto error = apply(both_ways[i], both_options[i], both)) return usage_error(*error);
  options.profiles = {both, both};
  for (std::size_t i = 0; i < a_to_b.size(); ++i)
    if (auto error = apply(a_to_b[i], a_to_b_options[i], options.profiles.a_to_b))
      return usage_error(*error);
  for (std::size_t i = 0; i < b_to_a.size(); ++i)
    if (auto error = apply(b_to_a[i], b_to_a_options[i], options.profiles.b_to_a))
      return usage_error(*error);

  const wan::PortBackend backend = xdp ? wan::PortBackend::kXdp : wan::PortBackend::kAfPacket;
  if (!wan::port_backend_available(backend))
    return usage_error("this build has no " + std::string(wan::port_backend_name(backend)) +
                       " backend");

  // Signals first: nothing may kill the emulator between two of its checks.
  const base::BlockedSignals signals({SIGTERM, SIGINT});
  if (signals.fd() < 0) {
    std::fprintf(stderr, "strait wan: cannot set up signal handling: %s\n", std::strerror(errno));
    return 1;
  }
  auto ports = wan::LinkPorts::open(backend, if_a, if_b, 2 * options.hold_capacity);
  if (!ports) {
    std::fprintf(stderr, "strait wan: %s\n", ports.error().message.c_str());
    return 1;
  }
  // Wake up on time for departures: the default 50 us slack is most of a
  // LAN's delay.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

  base::SystemClock clock;
  std::unique_ptr<base::Random> random;
  if (seed)
    random = std::make_unique<base::SeededRandom>(*seed);
  else
    random = std::make_unique<base::SystemRandom>();
  wan::LinkEmulator emulator((*ports)->a(), (*ports)->b(), options, clock, *random);

  const auto& profiles = options.profiles;
  std::string summary;
  if (profiles.a_to_b == profiles.b_to_a) {
    summary = "both ways: " + wan::describe(profiles.a_to_b);
  } else {
    summary = if_a + "->" + if_b + ": " + wan::describe(profiles.a_to_b) + "; " + if_b + "->" +
              if_a + ": " + wan::describe(profiles.b_to_a);
  }
  std::printf("strait wan: %s <-> %s over %s, profile %s, %s; hold %zu frames per direction\n",
              if_a.c_str(), if_b.c_str(), (*ports)->description().c_str(), profile_name.c_str(),
              summary.c_str(), options.hold_capacity);
  std::fflush(stdout);

  std::vector<pollfd> fds;
  for (int fd : (*ports)->wait_fds())
    fds.push_back(pollfd{fd, POLLIN, 0});
  fds.push_back(pollfd{signals.fd(), POLLIN, 0});
  base::Nanoseconds next_stats = stats_interval ? clock.now() + stats_interval : base::kNever;
  int stop = 0;
  while (stop == 0) {
    // Work while there is some, a bounded number of rounds between two
    // looks at the signals.
    bool busy = false;
    for (int round = 0; round < 64; ++round) {
      busy = emulator.poll() > 0;
      if (!busy) break;
    }
    const base::Nanoseconds now = clock.now();
    if (now >= next_stats) {
      print_counters("stats", emulator, if_a, if_b);
      next_stats = now + stats_interval;
    }
    base::Nanoseconds wake = std::min(emulator.next_departure(), next_stats);
    timespec timeout{};
    timespec* timeout_pointer = nullptr;
    if (busy || wake <= now) {
      timeout_pointer = &timeout;  // only a look at the descriptors
    } else if (wake != base::kNever) {
      const base::Nanoseconds wait = wake - now;
      timeout.tv_sec = static_cast<time_t>(wait / base::kSecond);
      timeout.tv_nsec = static_cast<long>(wait % base::kSecond);
      timeout_pointer = &timeout;
    }
    const int ready = ppoll(fds.data(), fds.size(), timeout_pointer, nullptr);
    if (ready < 0 && errno != EINTR) {
      std::fprintf(stderr, "strait wan: poll: %s\n", std::strerror(errno));
      break;
    }
    if (ready > 0 && (fds.back().revents & POLLIN)) stop = signals.take();
  }
  if (stop != 0) std::printf("strait wan: %s, stopping\n", stop == SIGTERM ? "SIGTERM" : "SIGINT");
  print_counters("final", emulator, if_a, if_b);
  return stop != 0 ? 0 : 1;
}

}  // namespace strait::cli
