#include "cli/bench_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "bench/ake_scenario.hpp"
#include "bench/scenario.hpp"
#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"
#include "esp/engine.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait bench [--size 60|IMIX|BYTES] [--packets N] [--routes N] [--queues N]\n"
    "                    [--rounds N] [--cpu N] [--json] [--host-thread]\n"
    "                    [--key-exchange [--sa-ttl SECONDS|auto] [--negotiation-ttl SECONDS]]\n"
    "  Software benchmark: per queue one gateway, its public port looped back to\n"
    "  itself; every packet is encrypted and decrypted once. --size is the\n"
    "  Ethernet frame length without FCS (IMIX: 64, 594 and 1518 bytes, 7:4:1).\n"
    "  N may be written 3e6. Every packet is checked byte for byte where it\n"
    "  comes out (and its SA on the public loop); a packet altered, misrouted,\n"
    "  sent under another route's SA or lost (none out for a second) ends the\n"
    "  run with an error saying which. Each of --rounds rounds (default 10)\n"
    "  times the pipeline (--packets / --rounds packets per queue) and the\n"
    "  cryptography alone (as many packets through the same ESP code), so the\n"
    "  report gives both in ns per packet and their ratio, medians of the\n"
    "  rounds. The simulated hosts share the gateway's core (it does their work\n"
    "  too) unless --host-thread gives them a thread of their own (on another CPU).\n"
    "  With --queues N, N gateways run on CPUs --cpu .. --cpu + N - 1 (default\n"
    "  0..N-1), each with its share of the routes, all at once; each round also runs\n"
    "  queue 0 alone, and the scaling (all queues' packet rate over queue 0's\n"
    "  alone) is reported.\n"
    "  Defaults: --size 60 --packets 1e7 --routes 1 --queues 1.\n"
    "  With --key-exchange (one queue) the routes have pre-shared keys instead of\n"
    "  static SAs and the gateway negotiates with itself through the loop. The\n"
    "  clock is first fast-forwarded (virtual time, progress on stderr) until\n"
    "  every route has its outbound SA and a first rekey has taken effect, then\n"
    "  traffic is measured as above with the key manager live, rekeying on real\n"
    "  time; the exchanges it completed meanwhile are reported. Defaults:\n"
    "  --sa-ttl 600 --negotiation-ttl 5. --sa-ttl auto is the shortest lifetime\n"
    "  that rekeys every route in time (one failed attempt included) at 20\n"
    "  negotiations a second; from about 500 routes on it keeps the key manager\n"
    "  at that cap. The key manager's log is discarded meanwhile.\n"
    "  With --pipeline-delay NS (for testing), NS nanoseconds of busy work are added per\n"
    "  packet to the pipeline's rounds, a pipeline made slower on purpose.\n"
    "  STRAIT_ESP=sse|avx|avx2|avx512 forces a libipsec-mb code path (default:\n"
    "  the fastest, measured at start-up).\n"
    "\n"
    "       strait bench --ake [--routes N] [--cpu N] [--json]\n"
    "  Key-exchange benchmark: two gateways (key manager on) with N routes to each\n"
    "  other, public ports wired together, run on one thread with a virtual clock\n"
    "  until every route has its SAs on both sides. Reports completed vita-ske\n"
    "  exchanges per wall second of CPU work, and the virtual time it took (each\n"
    "  key manager takes 100 messages a second and runs 32 negotiations at once).\n";

// Sends what is written to stderr (the key manager's log: with a virtual
// clock its rate limit lets thousands of lines through) to /dev/null while
// it lives; fd() is the real stderr, for progress.
class DiscardedStderr {
 public:
  explicit DiscardedStderr(bool discard) {
    if (!discard) return;
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    const int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved_ >= 0 && null >= 0 && dup2(null, STDERR_FILENO) >= 0) {
      close(null);
      return;
    }
    if (null >= 0) close(null);
    if (saved_ >= 0) close(saved_);
    saved_ = -1;
  }
  ~DiscardedStderr() { restore(); }
  DiscardedStderr(const DiscardedStderr&) = delete;
  DiscardedStderr& operator=(const DiscardedStderr&) = delete;

  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    saved_ = -1;
  }
  int fd() const { return saved_ >= 0 ? saved_ : STDERR_FILENO; }

 private:
  int saved_ = -1;
};

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

std::string_view bench_usage() {
  return kUsage;
}

int bench_command(int argc, char** argv) {
  bench::Options options;
  bool json = false;
  bool ake = false;
  bool auto_sa_ttl = false;
  bool lifetimes_given = false;  // --sa-ttl or --negotiation-ttl
  std::string packet_only;       // an option of the data-plane benchmark
  const base::Status ok = base::Ok{};
  ArgumentReader reader("strait bench", kUsage);
  reader.flag("--json", json);
  reader.flag("--ake", ake);
  reader.flag("--host-thread", [&] {
    options.host_thread = true;
    packet_only = "--host-thread";
  });
  reader.flag("--key-exchange", [&] {
    options.key_exchange = true;
    packet_only = "--key-exchange";
  });
  reader.option("--sa-ttl", "a number of seconds (>= 1) or auto",
                [&](std::string_view v) -> base::Status {
                  packet_only = "--sa-ttl";
                  lifetimes_given = true;
                  if (v == "auto") {
                    auto_sa_ttl = true;
                    return ok;
                  }
                  const auto n = parse_count(v, 4294967295ull);
                  if (!n || *n == 0)
                    return base::Error{"--sa-ttl needs a number of seconds (>= 1) or auto"};
                  options.sa_ttl = static_cast<std::uint32_t>(*n);
                  auto_sa_ttl = false;
                  return ok;
                });
  reader.option("--negotiation-ttl", "a number of seconds (>= 1)",
                [&](std::string_view v) -> base::Status {
                  packet_only = "--negotiation-ttl";
                  const auto n = parse_count(v, 4294967295ull);
                  if (!n || *n == 0)
                    return base::Error{"--negotiation-ttl needs a number of seconds (>= 1)"};
                  options.negotiation_ttl = static_cast<std::uint32_t>(*n);
                  lifetimes_given = true;
                  return ok;
                });
  reader.option("--size", "a value", [&](std::string_view v) -> base::Status {
    packet_only = "--size";
    if (v == "IMIX" || v == "imix") {
      options.frame_sizes = {64, 64, 594, 64, 64, 594, 64, 64, 594, 64, 594, 1518};
      options.size_label = "IMIX";
      return ok;
    }
    const auto n = parse_count(v, 8937);
    if (!n) return base::Error{"--size must be IMIX or a frame length in bytes"};
    options.frame_sizes = {static_cast<std::uint32_t>(*n)};
    options.size_label = v;
    return ok;
  });
  reader.option("--packets", "a whole number (e.g. 1e7)", [&](std::string_view v) -> base::Status {
    packet_only = "--packets";
    const auto n = parse_count(v, 1'000'000'000'000ull);
    if (!n) return base::Error{"--packets needs a whole number (e.g. 1e7)"};
    options.packets = *n;
    return ok;
  });
  reader.option("--routes", "a whole number from 1 to 65536",
                [&](std::string_view v) -> base::Status {
                  const auto n = parse_count(v, 65536);
                  if (!n) return base::Error{"--routes needs a whole number from 1 to 65536"};
                  options.routes = static_cast<std::uint32_t>(*n);
                  return ok;
                });
  reader.option("--cpu", "a CPU number", [&](std::string_view v) -> base::Status {
    const auto n = parse_count(v, 1023);
    if (!n) return base::Error{"--cpu needs a CPU number"};
    options.cpu = static_cast<int>(*n);
    return ok;
  });
  reader.option("--queues", "a whole number from 1 to 64", [&](std::string_view v) -> base::Status {
    packet_only = "--queues";
    const auto n = parse_count(v, 64);
    if (!n || *n == 0) return base::Error{"--queues needs a whole number from 1 to 64"};
    options.queues = static_cast<std::uint32_t>(*n);
    return ok;
  });
  reader.option("--rounds", "a whole number from 1 to 1000",
                [&](std::string_view v) -> base::Status {
                  packet_only = "--rounds";
                  const auto n = parse_count(v, 1000);
                  if (!n || *n == 0)
                    return base::Error{"--rounds needs a whole number from 1 to 1000"};
                  options.rounds = static_cast<std::uint32_t>(*n);
                  return ok;
                });
  reader.option("--pipeline-delay", "nanoseconds", [&](std::string_view v) -> base::Status {
    packet_only = "--pipeline-delay";
    const auto n = parse_decimal(v, 1e6);
    if (!n || *n < 0) return base::Error{"--pipeline-delay needs a number of nanoseconds"};
    options.pipeline_delay_ns = *n;
    return ok;
  });
  if (auto done = reader.read(argc, argv)) return *done;

  if (ake) {
    if (!packet_only.empty()) return reader.usage_error(packet_only + " does not apply to --ake");
    bench::AkeOptions ake_options;
    ake_options.routes = options.routes;
    ake_options.cpu = options.cpu;
    return ake_command(ake_options, json);
  }

  if (lifetimes_given && !options.key_exchange)
    return reader.usage_error("--sa-ttl and --negotiation-ttl apply to --key-exchange");
  const std::uint32_t safe_sa_ttl =
      bench::shortest_safe_sa_ttl(options.routes, options.negotiation_ttl);
  if (auto_sa_ttl) options.sa_ttl = safe_sa_ttl;

  const auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  if (!json) {
    std::fprintf(stderr, "strait bench: %s B, %llu packets, %u route(s)",
                 options.size_label.c_str(), u(options.packets), options.routes);
    if (options.queues > 1) std::fprintf(stderr, ", %u queues", options.queues);
    std::fprintf(stderr, ", %u rounds", options.rounds);
    if (options.key_exchange)
      std::fprintf(stderr, ", key exchange (sa-ttl %u s, negotiation-ttl %u s)", options.sa_ttl,
                   options.negotiation_ttl);
    std::fprintf(stderr, "...\n");
  }
  if (options.key_exchange && options.sa_ttl < safe_sa_ttl)
    std::fprintf(stderr,
                 "strait bench: note: with sa-ttl %u s some routes may not be rekeyed before "
                 "their SAs expire (--sa-ttl auto: %u s)\n",
                 options.sa_ttl, safe_sa_ttl);

  DiscardedStderr quiet(options.key_exchange);
  if (!json)
    options.progress = [&](std::uint32_t keyed, double virtual_seconds) {
      dprintf(quiet.fd(), "strait bench: keying: %u of %u routes after %.0f s of virtual time\n",
              keyed, options.routes, virtual_seconds);
    };
  auto result = bench::run(options);
  quiet.restore();
  if (!result) {
    std::fprintf(stderr, "strait bench: %s\n", result.error().message.c_str());
    return 1;
  }
  const bench::Report& r = *result;
  const bench::KeyExchangeReport* k = r.key_exchange ? &*r.key_exchange : nullptr;
  const bool keyed =
      k == nullptr || (k->routes_keyed_after == options.routes && k->outbound_sa_expired == 0);
  const esp::Calibration& calibration = esp::calibration();
  const auto list = [](const std::vector<double>& v, const char* format) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      char number[32];
      std::snprintf(number, sizeof number, format, v[i]);
      out += (i ? ", " : "") + std::string(number);
    }
    return out + "]";
  };
  if (json) {
    std::printf(
        "{\"size\": \"%s\", \"routes\": %u, \"queues\": %u, \"rounds\": %u, \"in_flight\": %zu, "
        "\"packets\": %llu, \"bytes\": %llu, \"lost\": 0, \"corrupted\": 0, "
        "\"sa_counts_checked\": %s, \"seconds\": %.6f, \"mpps\": %.3f, \"gbps\": %.3f, "
        "\"pipeline_ns\": %.2f, \"crypto_ns\": %.2f, \"ratio\": %.4f, "
        "\"pipeline_ns_rounds\": %s, \"crypto_ns_rounds\": %s, \"ratio_rounds\": %s, ",
        options.size_label.c_str(), options.routes, options.queues, options.rounds, r.in_flight,
        u(r.packets), u(r.bytes), r.sa_counts_checked ? "true" : "false", r.seconds, r.mpps, r.gbps,
        r.pipeline_ns, r.crypto_ns, r.ratio, list(r.pipeline_ns_rounds, "%.2f").c_str(),
        list(r.crypto_ns_rounds, "%.2f").c_str(), list(r.ratio_rounds, "%.4f").c_str());
    if (options.queues > 1)
      std::printf(
          "\"single_queue_mpps\": %.3f, \"scaling\": %.4f, \"scaling_rounds\": %s, "
          "\"scaling_cpu\": %.4f, \"scaling_cpu_rounds\": %s, ",
          r.single_queue_mpps, r.scaling, list(r.scaling_rounds, "%.4f").c_str(), r.scaling_cpu,
          list(r.scaling_cpu_rounds, "%.4f").c_str());
    std::printf("\"peak_rss_kib\": %llu, \"esp\": \"%s\", \"esp_forced\": %s, \"esp_paths\": {",
                u(r.peak_rss_kib), r.esp_architecture.c_str(),
                calibration.forced ? "true" : "false");
    for (std::size_t i = 0; i < calibration.paths.size(); ++i) {
      const esp::PathTiming& t = calibration.paths[i];
      std::printf("%s\"%s\": {\"imix_ns\": %.1f, \"small_ns\": %.1f, \"large_ns\": %.1f}",
                  i ? ", " : "", esp::architecture_name(t.arch), t.imix_ns, t.small_ns, t.large_ns);
    }
    std::printf("}, \"esp_calibration_ms\": %.3f, \"key_exchange\": %s", calibration.milliseconds,
                k ? "true" : "false");
    if (k)
      std::printf(
          ", \"sa_ttl\": %u, \"negotiation_ttl\": %u, \"keying_virtual_seconds\": %.3f, "
          "\"fast_forward_virtual_seconds\": %.3f, \"keying_seconds\": %.3f, "
          "\"keying_negotiations_expired\": %llu, \"keying_messages_dropped\": %llu, "
          "\"exchanges\": %llu, "
          "\"negotiations_initiated\": %llu, "
          "\"outbound_sa_updated\": %llu, \"outbound_sa_expired\": %llu, "
          "\"negotiations_expired\": %llu, \"messages_dropped\": %llu, \"routes_keyed\": %u",
          options.sa_ttl, options.negotiation_ttl, k->keying_virtual_seconds,
          k->fast_forward_virtual_seconds, k->keying_seconds, u(k->keying_negotiations_expired),
          u(k->keying_messages_dropped), u(k->exchanges), u(k->initiated),
          u(k->outbound_sa_updated), u(k->outbound_sa_expired), u(k->negotiations_expired),
          u(k->rxerrors), k->routes_keyed_after);
    std::printf("}\n");
  } else {
    std::printf("%.3f Mpps  %.3f Gbps  (%llu packets, every one checked%s; peak RSS %.1f MiB)\n",
                r.mpps, r.gbps, u(r.packets), r.sa_counts_checked ? ", and every SA's count" : "",
                static_cast<double>(r.peak_rss_kib) / 1024);
    std::printf(
        "pipeline %.1f ns/packet, cryptography alone %.1f ns/packet: ratio %.3f (medians of %u "
        "rounds; ESP %s)\n",
        r.pipeline_ns, r.crypto_ns, r.ratio, options.rounds, r.esp_architecture.c_str());
    if (options.queues > 1)
      std::printf(
          "%u queues: %.3f Mpps; queue 0 alone %.3f Mpps: scaling %.2fx (by CPU time %.2fx)\n",
          options.queues, r.mpps, r.single_queue_mpps, r.scaling, r.scaling_cpu);
    if (calibration.forced) {
      std::printf("ESP code path %s (STRAIT_ESP)\n", r.esp_architecture.c_str());
    } else {
      std::printf("ESP code paths (encrypt + decrypt, IMIX mix / 64 / 1518-byte frames):");
      for (std::size_t i = 0; i < calibration.paths.size(); ++i) {
        const esp::PathTiming& t = calibration.paths[i];
        std::printf("%s %s %.1f / %.1f / %.1f ns", i ? "," : "", esp::architecture_name(t.arch),
                    t.imix_ns, t.small_ns, t.large_ns);
      }
      std::printf("; %s is used\n", r.esp_architecture.c_str());
    }
    if (k)
      std::printf(
          "key exchange: %u routes keyed in %.1f s virtual, first rekey in effect at %.1f s (%.3f "
          "s wall; %llu negotiations timed out, %llu messages dropped); while measuring %llu "
          "exchanges completed (%llu started), %llu new outbound SAs took effect, %llu expired, "
          "%llu negotiations timed out, %llu messages dropped; %u/%u routes keyed at the end\n",
          k->routes_keyed, k->keying_virtual_seconds, k->fast_forward_virtual_seconds,
          k->keying_seconds, u(k->keying_negotiations_expired), u(k->keying_messages_dropped),
          u(k->exchanges), u(k->initiated), u(k->outbound_sa_updated), u(k->outbound_sa_expired),
          u(k->negotiations_expired), u(k->rxerrors), k->routes_keyed_after, options.routes);
  }
  return keyed ? 0 : 1;
}

}  // namespace strait::cli
