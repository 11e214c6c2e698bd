#include "cli/bench_command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "bench/ake_scenario.hpp"
#include "bench/scenario.hpp"
#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait bench [--size 60|IMIX|BYTES] [--packets N] [--routes N] [--cpu N] [--json]\n"
    "                    [--host-thread] [--key-exchange [--sa-ttl SECONDS|auto]\n"
    "                    [--negotiation-ttl SECONDS]]\n"
    "  Software benchmark: one gateway, public port looped back to itself; every\n"
    "  packet is encrypted and decrypted once. --size is the Ethernet frame length\n"
    "  without FCS (IMIX: 64, 594 and 1518 bytes, 7:4:1). N may be written 3e6.\n"
    "  The simulated hosts share the gateway's core (it does their work too)\n"
    "  unless --host-thread gives them a thread of their own.\n"
    "  Defaults: --size 60 --packets 1e7 --routes 1.\n"
    "  With --key-exchange the routes have pre-shared keys instead of static SAs\n"
    "  and the gateway negotiates with itself through the loop. The clock is first\n"
    "  fast-forwarded (virtual time, progress on stderr) until every route has\n"
    "  its outbound SA and a first rekey has taken effect, then traffic is\n"
    "  measured as above with the key manager live, rekeying on real time; the\n"
    "  exchanges it completed meanwhile are reported. Defaults: --sa-ttl 600\n"
    "  --negotiation-ttl 5. --sa-ttl auto is the shortest lifetime that rekeys\n"
    "  every route in time (one failed attempt included) at 20 negotiations a\n"
    "  second; from about 500 routes on it keeps the key manager at that cap.\n"
    "  The key manager's log is discarded meanwhile.\n"
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
  const bool complete = r.received == r.sent && r.corrupted == 0 && keyed;
  if (json) {
    std::printf(
        "{\"size\": \"%s\", \"routes\": %u, \"packets\": %llu, \"sent\": %llu, \"lost\": %llu, "
        "\"corrupted\": %llu, \"seconds\": %.6f, \"mpps\": %.3f, \"gbps\": %.3f, "
        "\"peak_rss_kib\": %llu, \"esp\": \"%s\", \"key_exchange\": %s",
        options.size_label.c_str(), options.routes, u(r.received), u(r.sent),
        u(r.sent - r.received), u(r.corrupted), r.seconds, r.mpps, r.gbps, u(r.peak_rss_kib),
        r.esp_architecture.c_str(), k ? "true" : "false");
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
    std::printf(
        "%.3f Mpps  %.3f Gbps  (%llu packets in %.3f s, %llu lost, %llu corrupted, peak RSS %.1f "
        "MiB, ESP %s)\n",
        r.mpps, r.gbps, u(r.received), r.seconds, u(r.sent - r.received), u(r.corrupted),
        static_cast<double>(r.peak_rss_kib) / 1024, r.esp_architecture.c_str());
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
  return complete ? 0 : 1;
}

}  // namespace strait::cli
