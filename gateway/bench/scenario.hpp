#pragma once
// The software benchmark scenario of the reference implementation: one
// gateway whose public port is looped back to itself (every route's gateway
// is the gateway's own public address, PROTOCOL.md's loopback case), with
// synthetic traffic sent into its private port by a generator thread and
// counted at the private output. Each packet is therefore encrypted and
// decrypted once, and routed twice.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace strait::bench {

struct Options {
  std::vector<std::uint32_t> frame_sizes{60};  // cycled; Ethernet frame bytes without FCS
  std::string size_label = "60";
  std::uint64_t packets = 10'000'000;
  std::uint32_t routes = 1;
  std::optional<int> cpu;  // pin the gateway thread
  // Run the simulated hosts (traffic source and sink) on a thread of their
  // own instead of interleaving them with the gateway on one core.
  bool host_thread = false;
  double timeout_seconds = 120;
};

struct Report {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;   // at the private output, verified
  std::uint64_t corrupted = 0;  // received but not the packet that was sent
  std::uint64_t bytes = 0;      // frame bytes received
  double seconds = 0;
  double mpps = 0;
  double gbps = 0;
  std::uint64_t peak_rss_kib = 0;
  std::string esp_architecture;
};

base::Result<Report> run(const Options& options);

}  // namespace strait::bench
