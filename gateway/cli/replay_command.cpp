#include "cli/replay_command.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"
#include "replay/replay_session.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait replay --config FILE [--private-in A.pcap] [--public-in B.pcap] --out DIR\n"
    "                     [--seed N] [--loopback-esp] [--answer-neighbors]\n"
    "                     [--initial-seq N] [--until SECONDS]\n"
    "  Runs the gateway of FILE (every queue, as strait run builds them) on a\n"
    "  virtual clock over captures: input frames are received at their timestamps\n"
    "  (private and public merged; at equal times private first), timers fire when\n"
    "  due, and what the gateway sends goes to DIR/private-out.pcap and\n"
    "  DIR/public-out.pcap (classic pcap, microseconds, virtual time), its final\n"
    "  state to DIR/gateway-state and DIR/gateway-state.json. No kernel interface\n"
    "  is opened. The same inputs, options and seed give byte-identical outputs.\n"
    "  --config FILE       the gateway's configuration (Vita syntax)\n"
    "  --private-in PCAP   frames arriving on the private interface (pcap or pcapng)\n"
    "  --public-in PCAP    frames arriving on the public interfaces\n"
    "  --out DIR           the outputs (created if missing)\n"
    "  --seed N            the gateway's randomness (default 1)\n"
    "  --loopback-esp      ESP sent on the public side comes back to it (MACs swapped)\n"
    "  --answer-neighbors  the next hops answer ARP and neighbor solicitations\n"
    "                      (their MAC: 5a:bb: and the last 4 bytes of their address)\n"
    "  --initial-seq N     the first sequence number of static outbound SAs (default 1)\n"
    "  --until SECONDS     run to the first frame's time plus SECONDS (timers\n"
    "                      included); without it, the replay ends with the inputs\n"
    "  conformance/FORMAT.md states the rules (queues, order of the outputs).\n";

// A whole number in [min, max], exactly (no floating point: sequence
// numbers go up to 2^64 - 1).
std::optional<std::uint64_t> parse_exact(std::string_view text, std::uint64_t min,
                                         std::uint64_t max) {
  std::uint64_t v = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (error != std::errc{} || end != text.data() + text.size() || v < min || v > max)
    return std::nullopt;
  return v;
}

std::string seconds(base::Nanoseconds t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", static_cast<double>(t) / 1e9);
  return text;
}

}  // namespace

std::string_view replay_usage() {
  return kUsage;
}

int replay_command(int argc, char** argv) {
  replay::ReplayOptions options;
  const base::Status ok = base::Ok{};
  ArgumentReader reader("strait replay", kUsage);
  const auto path = [&](std::string& into) {
    return [&into](std::string_view v) -> base::Status {
      into = v;
      return base::Ok{};
    };
  };
  reader.option("--config", "a file", path(options.config_path));
  reader.option("--private-in", "a capture", path(options.private_in));
  reader.option("--public-in", "a capture", path(options.public_in));
  reader.option("--out", "a directory", path(options.out_dir));
  reader.option("--seed", "a non-negative integer", [&](std::string_view v) -> base::Status {
    const auto n = parse_exact(v, 0, ~std::uint64_t{0});
    if (!n) return base::Error{"--seed needs a non-negative integer"};
    options.seed = *n;
    return ok;
  });
  reader.option("--initial-seq", "a sequence number", [&](std::string_view v) -> base::Status {
    const auto n = parse_exact(v, 1, ~std::uint64_t{0});
    if (!n) return base::Error{"--initial-seq needs a sequence number from 1 to 2^64-1"};
    options.initial_seq = *n;
    return ok;
  });
  reader.option("--until", "seconds", [&](std::string_view v) -> base::Status {
    const auto s = parse_decimal(v, 1e9);
    if (!s) return base::Error{"--until needs seconds from 0 to 1000000000 (decimals allowed)"};
    options.until = static_cast<base::Nanoseconds>(std::llround(*s * 1e9));
    return ok;
  });
  reader.flag("--loopback-esp", options.loopback_esp);
  reader.flag("--answer-neighbors", options.answer_neighbors);
  if (auto done = reader.read(argc, argv)) return *done;
  if (options.config_path.empty()) return reader.usage_error("--config FILE is required");
  if (options.out_dir.empty()) return reader.usage_error("--out DIR is required");

  auto session = replay::ReplaySession::open(options);
  if (!session) {
    std::fprintf(stderr, "strait replay: %s\n", session.error().message.c_str());
    return 1;
  }
  auto summary = (*session)->run();
  if (!summary) {
    std::fprintf(stderr, "strait replay: %s\n", summary.error().message.c_str());
    return 1;
  }
  const replay::ReplaySummary& s = *summary;
  std::printf(
      "strait replay: %llu frames in (private %llu, public %llu), %llu out (private %llu, public "
      "%llu), virtual time %s to %s s; outputs in %s\n",
      static_cast<unsigned long long>(s.private_in + s.public_in),
      static_cast<unsigned long long>(s.private_in), static_cast<unsigned long long>(s.public_in),
      static_cast<unsigned long long>(s.private_out + s.public_out),
      static_cast<unsigned long long>(s.private_out), static_cast<unsigned long long>(s.public_out),
      seconds(s.start).c_str(), seconds(s.end).c_str(), options.out_dir.c_str());
  if (s.too_large != 0)
    std::fprintf(stderr,
                 "strait replay: warning: %llu input frames were not handed to the gateway "
                 "(larger than its frames)\n",
                 static_cast<unsigned long long>(s.too_large));
  return 0;
}

}  // namespace strait::cli
