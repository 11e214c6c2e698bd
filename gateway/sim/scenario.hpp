#pragma once
// A simulation scenario (sim/README.md): regions with their gateway
// configurations, the links between them, traffic flows, events at times
// and the expectations checked at the end. Read from a file in the
// gateway configuration's text syntax, or built by --explore.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "wan/link_profile.hpp"

namespace strait::sim {

struct RegionSpec {
  std::string name;
  std::string config_path;  // as resolved (for messages)
  std::string config_text;  // the gateway's configuration document
  std::string nat;          // a NAT's outside address in front of it (sim/nat.hpp); empty: none
};

struct LinkSpec {
  std::string a, b;  // region names
  wan::LinkProfile a_to_b, b_to_a;
};

enum class FlowKind : std::uint8_t { kUdp, kTcp, kPing };

struct FlowSpec {
  std::string name;
  FlowKind kind = FlowKind::kUdp;
  std::string from, to;                        // region names
  double rate_pps = 10;                        // udp
  std::uint32_t size = 200;                    // IP packet bytes (udp, tcp data)
  base::Nanoseconds interval = base::kSecond;  // ping
  base::Nanoseconds start = 0;
  std::optional<base::Nanoseconds> stop;  // default: the run's end minus 5 s
};

enum class EventKind : std::uint8_t {
  kLinkDown,
  kLinkUp,
  kRestart,
  kConfig,
  kClockJump,
  kNatRebind
};

struct EventSpec {
  base::Nanoseconds at = 0;
  EventKind kind = EventKind::kRestart;
  std::string region;          // restart, config, clock-jump, nat-rebind
  std::string link_a, link_b;  // link-down / link-up
  // config: one transaction, as `strait config` sends it.
  std::string verb;  // set, add, remove
  std::string path;
  std::string value;
  std::int64_t jump = 0;  // clock-jump, nanoseconds
  std::string describe() const;
};

struct ExpectSpec {
  enum class Kind : std::uint8_t { kFlow, kCounter, kConverged } kind = Kind::kFlow;
  std::string flow;  // kFlow
  std::optional<std::uint64_t> lost_max, delivered_min, duplicates_max;
  std::string region, counter;  // kCounter: a gateway-state path
  std::optional<std::uint64_t> min, max;
  base::Nanoseconds within = 0;  // kConverged
  std::string describe() const;
};

struct Scenario {
  std::string name;  // the file's stem
  base::Nanoseconds duration = 60 * base::kSecond;
  base::Nanoseconds sample_interval = 0;  // 0: duration / 200
  std::vector<RegionSpec> regions;
  std::vector<LinkSpec> links;
  std::vector<FlowSpec> flows;
  std::vector<EventSpec> events;
  std::vector<ExpectSpec> expects;
  // converged-within when no expect says it: 3 x negotiation-ttl.
  std::optional<base::Nanoseconds> converged_within;
};

// Reads and checks a scenario file; errors are "<file>:<line>:<column>:
// what". Region configuration paths are relative to the scenario file.
base::Result<Scenario> load_scenario(const std::string& path);
// The same from text (configuration paths relative to `directory`).
base::Result<Scenario> parse_scenario(std::string_view text, const std::string& file_name,
                                      const std::string& directory);

}  // namespace strait::sim
