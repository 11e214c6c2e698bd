#include "cli/bench_command.hpp"

#include <cstdio>
#include <string>
#include <string_view>

#include "bench/ake_scenario.hpp"
#include "bench/scenario.hpp"
#include "cli/arguments.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait bench [--size 60|IMIX|BYTES] [--packets N] [--routes N] [--cpu N] [--json]\n"
    "                    [--host-thread]\n"
    "  Software benchmark: one gateway, public port looped back to itself; every\n"
    "  packet is encrypted and decrypted once. --size is the Ethernet frame length\n"
    "  without FCS (IMIX: 64, 594 and 1518 bytes, 7:4:1). N may be written 3e6.\n"
    "  The simulated hosts share the gateway's core (it does their work too)\n"
    "  unless --host-thread gives them a thread of their own.\n"
    "  Defaults: --size 60 --packets 1e7 --routes 1.\n"
    "\n"
    "       strait bench --ake [--routes N] [--cpu N] [--json]\n"
    "  Key-exchange benchmark: two gateways (key manager on) with N routes to each\n"
    "  other, public ports wired together, run on one thread with a virtual clock\n"
    "  until every route has its SAs on both sides. Reports completed vita-ske\n"
    "  exchanges per wall second of CPU work, and the virtual time it took (each\n"
    "  key manager takes 100 messages a second and runs 32 negotiations at once).\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "strait bench: %s\n%s", message.c_str(), kUsage);
  return 2;
}

int ake_command(const bench::AkeOptions& options, bool json) {
  if (!json)
    std::fprintf(stderr, "strait bench --ake: %u route(s) between two gateways...\n",
                 options.routes);
  auto result = bench::run_ake(options);
  if (!result) {
    std::fprintf(stderr, "strait bench --ake: %s\n", result.error().message.c_str());
    return 1;
  }
  const bench::AkeReport& r = *result;
  const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  if (json) {
    std::printf(
        "{\"mode\": \"ake\", \"routes\": %u, \"complete\": %s, \"exchanges\": %llu, "
        "\"seconds\": %.6f, \"cpu_seconds\": %.6f, \"exchanges_per_second\": %.1f, "
        "\"virtual_seconds\": %.3f, \"negotiations_initiated\": %llu, "
        "\"negotiations_expired\": %llu, \"messages_dropped\": %llu}\n",
        r.routes, r.complete ? "true" : "false", u(r.exchanges), r.seconds, r.cpu_seconds,
        r.exchanges_per_second, r.virtual_seconds, u(r.paris.initiated + r.tokyo.initiated),
        u(r.paris.expired + r.tokyo.expired), u(r.paris.dropped + r.tokyo.dropped));
  } else {
    std::printf(
        "%.1f exchanges/s  (%llu exchanges in %.3f s, CPU %.3f s; %.3f s virtual; %llu "
        "negotiations started, %llu expired, %llu messages over the rate limit; routes keyed: "
        "%u/%u and %u/%u)\n",
        r.exchanges_per_second, u(r.exchanges), r.seconds, r.cpu_seconds, r.virtual_seconds,
        u(r.paris.initiated + r.tokyo.initiated), u(r.paris.expired + r.tokyo.expired),
        u(r.paris.dropped + r.tokyo.dropped), r.paris.routes_keyed, r.routes, r.tokyo.routes_keyed,
        r.routes);
  }
  if (!r.complete) std::fprintf(stderr, "strait bench --ake: not every route got its SAs\n");
  return r.complete ? 0 : 1;
}

}  // namespace

int bench_command(int argc, char** argv) {
  bench::Options options;
  bool json = false;
  bool ake = false;
  const char* packet_only = nullptr;  // an option of the data-plane benchmark
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> const char* {
      if (i + 1 >= argc) return nullptr;
      (void)name;
      return argv[++i];
    };
    if (arg == "--size" || arg == "--packets" || arg == "--host-thread") packet_only = argv[i];
    if (arg == "--json") {
      json = true;
    } else if (arg == "--ake") {
      ake = true;
    } else if (arg == "--host-thread") {
      options.host_thread = true;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--size") {
      const char* v = value(arg);
      if (!v) return usage_error("--size needs a value");
      const std::string_view s = v;
      if (s == "IMIX" || s == "imix") {
        options.frame_sizes = {64, 64, 594, 64, 64, 594, 64, 64, 594, 64, 594, 1518};
        options.size_label = "IMIX";
      } else {
        const auto n = parse_count(s, 8937);
        if (!n) return usage_error("--size must be IMIX or a frame length in bytes");
        options.frame_sizes = {static_cast<std::uint32_t>(*n)};
        options.size_label = s;
      }
    } else if (arg == "--packets") {
      const char* v = value(arg);
      const auto n = v ? parse_count(v, 1'000'000'000'000ull) : std::nullopt;
      if (!n) return usage_error("--packets needs a whole number (e.g. 1e7)");
      options.packets = *n;
    } else if (arg == "--routes") {
      const char* v = value(arg);
      const auto n = v ? parse_count(v, 65536) : std::nullopt;
      if (!n) return usage_error("--routes needs a whole number from 1 to 65536");
      options.routes = static_cast<std::uint32_t>(*n);
    } else if (arg == "--cpu") {
      const char* v = value(arg);
      const auto n = v ? parse_count(v, 1023) : std::nullopt;
      if (!n) return usage_error("--cpu needs a CPU number");
      options.cpu = static_cast<int>(*n);
    } else {
      return usage_error("unknown argument '" + std::string(arg) + "'");
    }
  }

  if (ake) {
    if (packet_only) return usage_error(std::string(packet_only) + " does not apply to --ake");
    bench::AkeOptions ake_options;
    ake_options.routes = options.routes;
    ake_options.cpu = options.cpu;
    return ake_command(ake_options, json);
  }

  if (!json)
    std::fprintf(stderr, "strait bench: %s B, %llu packets, %u route(s)...\n",
                 options.size_label.c_str(), static_cast<unsigned long long>(options.packets),
                 options.routes);
  auto result = bench::run(options);
  if (!result) {
    std::fprintf(stderr, "strait bench: %s\n", result.error().message.c_str());
    return 1;
  }
  const bench::Report& r = *result;
  const bool complete = r.received == r.sent && r.corrupted == 0;
  if (json) {
    std::printf(
        "{\"size\": \"%s\", \"routes\": %u, \"packets\": %llu, \"sent\": %llu, \"lost\": %llu, "
        "\"corrupted\": %llu, \"seconds\": %.6f, \"mpps\": %.3f, \"gbps\": %.3f, "
        "\"peak_rss_kib\": %llu, \"esp\": \"%s\"}\n",
        options.size_label.c_str(), options.routes, static_cast<unsigned long long>(r.received),
        static_cast<unsigned long long>(r.sent),
        static_cast<unsigned long long>(r.sent - r.received),
        static_cast<unsigned long long>(r.corrupted), r.seconds, r.mpps, r.gbps,
        static_cast<unsigned long long>(r.peak_rss_kib), r.esp_architecture.c_str());
  } else {
    std::printf(
        "%.3f Mpps  %.3f Gbps  (%llu packets in %.3f s, %llu lost, %llu corrupted, peak RSS %.1f "
        "MiB, ESP %s)\n",
        r.mpps, r.gbps, static_cast<unsigned long long>(r.received), r.seconds,
        static_cast<unsigned long long>(r.sent - r.received),
        static_cast<unsigned long long>(r.corrupted), static_cast<double>(r.peak_rss_kib) / 1024,
        r.esp_architecture.c_str());
  }
  return complete ? 0 : 1;
}

}  // namespace strait::cli
