#include "cli/flood_command.hpp"

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "cli/arguments.hpp"
#include "flood/run_flood.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait flood --interface IF --gateway IP --gateway-mac MAC --peer IP\n"
    "                    --kind NAME COUNT [--kind NAME COUNT]... [--route-spi N]\n"
    "                    [--spi N] [--exclude-spi N]... [--sequence N] [--esp-body BYTES]\n"
    "                    [--port N] [--rate FRAMES_PER_SECOND] [--seconds S] [--seed N]\n"
    "                    [--batch N] [--json]\n"
    "  Sends forged key-exchange messages and forged ESP packets at a gateway's\n"
    "  public interface, out of a kernel interface (AF_PACKET, one sendmmsg per\n"
    "  batch): a test of what the gateway does under a flood. Only for test\n"
    "  networks (network namespaces). Prints what it sent of each kind.\n"
    "  --interface IF     send out of IF (needs CAP_NET_RAW)\n"
    "  --gateway IP       the gateway's public address (the destination)\n"
    "  --gateway-mac MAC  its public interface's MAC address\n"
    "  --peer IP          the address of the gateway's real peer (a forged source)\n"
    "  --kind NAME COUNT  COUNT frames of kind NAME (repeatable), kinds interleaved:\n"
    "      ske-knock-strangers     knocks for the route from random sources\n"
    "      ske-proposal-strangers  proposal-shaped messages from random sources\n"
    "      ske-knock-peer          knocks from the peer's address\n"
    "      ske-proposal-peer       proposals with random keys from the peer's address\n"
    "      esp-random-spi          ESP with random SPIs (never an --exclude-spi)\n"
    "      esp-bad-icv             ESP for --spi from --sequence upwards, bad ICVs\n"
    "      esp-replay              ESP for --spi with old sequence numbers (1 to 1024)\n"
    "  --route-spi N      the route SPI of the ske-* kinds\n"
    "  --spi N            the live inbound SPI of esp-bad-icv and esp-replay\n"
    "  --exclude-spi N    an SPI esp-random-spi never draws (repeatable)\n"
    "  --sequence N       esp-bad-icv's first sequence number (default 1)\n"
    "  --esp-body BYTES   ESP bytes after SPI and sequence number: a multiple of 4\n"
    "                     from 28 to 1024 (default 64)\n"
    "  --port N           the key exchange's UDP port (default 303)\n"
    "  --rate N           frames per second (default 0: as fast as it can)\n"
    "  --seconds S        stop after S seconds whatever is left (default 60)\n"
    "  --seed N           the random fields (default 1)\n"
    "  --batch N          frames per sendmmsg, 1 to 256 (default 64)\n"
    "  --json             the report as one JSON object\n"
    "  Exit status 0 when everything was sent, 3 when the time bound stopped it,\n"
    "  1 on an error.\n";

base::Status number(std::string_view option, std::string_view text, std::uint64_t max,
                    std::uint64_t& into) {
  const auto n = parse_count(text, max);
  if (!n)
    return base::Error{std::string(option) + " needs a whole number from 0 to " +
                       std::to_string(max)};
  into = *n;
  return base::Ok{};
}

}  // namespace

std::string_view flood_usage() {
  return kUsage;
}

int flood_command(int argc, char** argv) {
  flood::FloodOptions options;
  bool json = false;
  bool have_gateway = false, have_mac = false, have_peer = false;
  ArgumentReader reader("strait flood", kUsage);
  reader.option("--interface", "an interface name", [&](std::string_view v) -> base::Status {
    options.ifname = v;
    return base::Ok{};
  });
  const auto address = [](std::string_view option, std::string_view v, net::Address& into,
                          bool& given) -> base::Status {
    const auto parsed = net::Address::parse(v);
    if (!parsed) return base::Error{std::string(option) + " needs an IPv4 or IPv6 address"};
    into = *parsed;
    given = true;
    return base::Ok{};
  };
  reader.option("--gateway", "an address", [&](std::string_view v) {
    return address("--gateway", v, options.target.gateway, have_gateway);
  });
  reader.option("--peer", "an address", [&](std::string_view v) {
    return address("--peer", v, options.target.peer, have_peer);
  });
  reader.option("--gateway-mac", "a MAC address", [&](std::string_view v) -> base::Status {
    const auto mac = net::Mac::parse(v);
    if (!mac) return base::Error{"--gateway-mac needs a MAC address (0a:cc:b1:e4:24:d2)"};
    options.target.destination_mac = *mac;
    have_mac = true;
    return base::Ok{};
  });
  reader.option("--kind", "a kind and a count", 2,
                [&](std::span<const std::string_view> v) -> base::Status {
                  const auto kind = flood::parse_kind(v[0]);
                  if (!kind)
                    return base::Error{"--kind: unknown kind '" + std::string(v[0]) +
                                       "' (strait flood --help lists them)"};
                  std::uint64_t count = 0;
                  if (auto ok = number("--kind", v[1], 1'000'000'000, count); !ok) return ok;
                  options.kinds.emplace_back(*kind, count);
                  return base::Ok{};
                });
  std::uint64_t value = 0;
  reader.option("--route-spi", "a number", [&](std::string_view v) -> base::Status {
    if (auto ok = number("--route-spi", v, 0xffffffff, value); !ok) return ok;
    options.target.route_spi = static_cast<std::uint32_t>(value);
    return base::Ok{};
  });
  reader.option("--spi", "a number", [&](std::string_view v) -> base::Status {
    if (auto ok = number("--spi", v, 0xffffffff, value); !ok) return ok;
    options.target.spi = static_cast<std::uint32_t>(value);
    return base::Ok{};
  });
  reader.option("--exclude-spi", "a number", [&](std::string_view v) -> base::Status {
    if (auto ok = number("--exclude-spi", v, 0xffffffff, value); !ok) return ok;
    options.target.exclude_spis.push_back(static_cast<std::uint32_t>(value));
    return base::Ok{};
  });
  reader.option("--sequence", "a number", [&](std::string_view v) {
    return number("--sequence", v, ~std::uint64_t{0} >> 11, options.target.sequence);
  });
  reader.option("--esp-body", "bytes", [&](std::string_view v) -> base::Status {
    if (auto ok = number("--esp-body", v, 1024, value); !ok) return ok;
    options.target.esp_body = static_cast<std::size_t>(value);
    return base::Ok{};
  });
  reader.option("--port", "a UDP port", [&](std::string_view v) -> base::Status {
    if (auto ok = number("--port", v, 65535, value); !ok || value == 0)
      return base::Error{"--port needs a UDP port from 1 to 65535"};
    options.target.protocol_port = static_cast<std::uint16_t>(value);
    return base::Ok{};
  });
  reader.option("--rate", "frames per second",
                [&](std::string_view v) { return number("--rate", v, 100'000'000, options.rate); });
  reader.option("--seconds", "seconds", [&](std::string_view v) -> base::Status {
    const auto seconds = parse_decimal(v, 3600);
    if (!seconds || *seconds <= 0) return base::Error{"--seconds needs seconds from 0 to 3600"};
    options.max_duration = static_cast<base::Nanoseconds>(std::llround(*seconds * 1e9));
    return base::Ok{};
  });
  reader.option("--seed", "a number", [&](std::string_view v) {
    return number("--seed", v, ~std::uint64_t{0} >> 11, options.seed);
  });
  reader.option("--batch", "frames", [&](std::string_view v) -> base::Status {
    if (auto ok = number("--batch", v, 256, value); !ok || value == 0)
      return base::Error{"--batch needs 1 to 256 frames"};
    options.batch = static_cast<std::size_t>(value);
    return base::Ok{};
  });
  reader.flag("--json", json);
  if (auto done = reader.read(argc, argv)) return *done;
  if (options.ifname.empty()) return reader.usage_error("--interface is required");
  if (!have_gateway || !have_mac || !have_peer)
    return reader.usage_error("--gateway, --gateway-mac and --peer are required");
  if (options.kinds.empty()) return reader.usage_error("at least one --kind NAME COUNT is needed");

  auto report = flood::run_flood(options);
  if (!report) {
    std::fprintf(stderr, "strait flood: %s\n", report.error().message.c_str());
    return 1;
  }
  const std::string text =
      json ? flood::format_report_json(*report) : flood::format_report(*report, options.ifname);
  std::fputs(text.c_str(), stdout);
  return report->timed_out ? 3 : 0;
}

}  // namespace strait::cli
