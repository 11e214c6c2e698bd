#pragma once
// A simulation run (sim/README.md): the regions' gateways (SimGateway),
// their LANs (a router that answers ARP / ND and stands for the region's
// hosts, where flows start and end), the internet between them (Internet),
// the scenario's flows and events, on one virtual clock that jumps to the
// next thing due. It samples counters, checks the invariants as it goes
// and the expectations at the end, and writes the outputs.

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "io/frame_pool.hpp"
#include "io/pcap_port.hpp"
#include "replay/simulated_neighbor.hpp"
#include "sim/flow.hpp"
#include "sim/internet.hpp"
#include "sim/invariants.hpp"
#include "sim/scenario.hpp"
#include "sim/sim_gateway.hpp"

namespace strait::sim {

struct RunOptions {
  std::uint64_t seed = 1;
  std::optional<base::Nanoseconds> until;  // instead of the scenario's duration
  std::string out_dir;                     // empty: no files
  std::vector<std::string> pcap_links;     // "paris-tokyo"
};

struct RunResult {
  bool passed = false;  // every expectation and invariant held
  std::string summary;  // what summary.txt holds
  base::Nanoseconds simulated = 0;
  std::uint64_t invariant_violations = 0;
  std::uint64_t failed_expectations = 0;
};

class World {
 public:
  static base::Result<std::unique_ptr<World>> create(const Scenario& scenario,
                                                     const RunOptions& options);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // Runs to the end; errors are for what could not be done (an output that
  // cannot be written, an event the gateway refused is a failed run, not an
  // error).
  base::Result<RunResult> run();

 private:
  struct Region {
    net::Address host;  // the private next hop: every host of the region
    std::unique_ptr<replay::SimulatedNeighbor> router;
  };
  struct Sample {
    base::Nanoseconds at;
    std::string series;
    std::uint64_t value;
  };

  World(const Scenario& scenario, const RunOptions& options);
  base::Status build();
  void settle();
  std::size_t collect_private(std::size_t region);
  std::size_t collect_public(std::size_t region);
  std::size_t send_flows();
  void host_send(std::size_t region, std::vector<std::uint8_t> ip);
  void host_receive(std::size_t region, std::span<const std::uint8_t> frame);
  void run_event(const EventSpec& event);
  void sample();
  base::Nanoseconds since_start() const { return clock_.now() - start_; }
  void event_line(const std::string& kind, const std::string& detail);
  std::size_t region_index(const std::string& name) const;
  base::Nanoseconds next_due() const;
  std::uint64_t counter(std::size_t region, const std::string& path);
  std::string summarize(std::uint64_t& failed);
  base::Status write_outputs(const std::string& summary);

  Scenario scenario_;
  RunOptions options_;
  base::ManualClock clock_;
  base::Nanoseconds start_ = 0;
  base::Nanoseconds end_ = 0;
  std::unique_ptr<io::FramePool> lan_pool_;  // frames the hosts send
  std::vector<Region> regions_;
  std::vector<std::unique_ptr<SimGateway>> gateways_;
  std::unique_ptr<Internet> internet_;
  std::vector<Flow> flows_;
  std::vector<std::size_t> flow_from_, flow_to_;  // region of each flow's ends
  std::size_t next_event_ = 0;                    // scenario_.events, sorted by time
  base::Nanoseconds next_sample_ = 0;
  base::Nanoseconds last_fault_ = 0;  // since the start: the last event
  bool convergence_checked_ = false;
  Invariants invariants_;
  std::vector<Sample> samples_;
  std::vector<std::string> events_;                          // events.csv lines
  std::vector<std::string> failures_;                        // events the gateways refused
  std::vector<std::pair<std::size_t, std::size_t>> tapped_;  // --pcap links (region pairs)
  std::vector<std::unique_ptr<io::PcapPort>> taps_;
  std::uint64_t host_icmp_errors_ = 0;  // ICMP errors the hosts received
  std::uint64_t stray_frames_ = 0;      // frames at a host that are no flow's
};

}  // namespace strait::sim
