#pragma once
// `strait replay`: the real gateway (every queue of a configuration, built
// by daemon::QueueFactory as `strait run` builds them, its key managers
// inside the workers' polls) on a virtual clock over input captures, its
// ports in memory; what it sends goes to output captures stamped with
// virtual time. conformance/FORMAT.md states the contract.
//
// The clock only jumps: to the next input frame's timestamp or the next
// timer any worker has due, whichever comes first, so idle time costs
// nothing and timers fire at the virtual time they are due. At each
// instant the session settles, round after round until nothing moves: it
// runs every queue's due timers and polls it, takes what the queues sent
// (into the outputs, and to the simulated network, whose answers
// (reflected ESP, neighbor answers) it hands back at once), and once all
// of that is quiet, hands over the next burst of input frames due (up to
// 64 per side, private first).

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "backend/memory_backend.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "daemon/queue_factory.hpp"
#include "io/frame_pool.hpp"
#include "io/pcap_port.hpp"
#include "nexthop/shared_neighbor.hpp"
#include "replay/frame_steering.hpp"
#include "replay/replay_options.hpp"
#include "replay/simulated_neighbor.hpp"

namespace strait::replay {

struct ReplaySummary {
  base::Nanoseconds start = 0;  // virtual time, nanoseconds since the epoch
  base::Nanoseconds end = 0;
  std::uint64_t private_in = 0, public_in = 0;    // input frames handed to the gateway
  std::uint64_t private_out = 0, public_out = 0;  // frames written to the outputs
  std::uint64_t reflected_esp = 0;                // --loopback-esp
  std::uint64_t neighbor_answers = 0;             // --answer-neighbors
  // Input frames larger than the gateway's frames, or beyond its free
  // frames: not handed over.
  std::uint64_t too_large = 0;
};

class ReplaySession {
 public:
  // Loads the configuration, builds the gateway's queues and opens the
  // captures (creating the output directory). Errors name the file.
  static base::Result<std::unique_ptr<ReplaySession>> open(const ReplayOptions& options);
  ~ReplaySession();
  ReplaySession(const ReplaySession&) = delete;
  ReplaySession& operator=(const ReplaySession&) = delete;

  // Runs to the end (conformance/FORMAT.md), then writes gateway-state and
  // gateway-state.json and closes the outputs. An unreadable input or an
  // unwritable output is an error naming the file, never an early end.
  base::Result<ReplaySummary> run();

 private:
  enum class Side : std::uint8_t { kPrivate, kPublic };
  // A frame the simulated network sends the gateway at the current instant.
  struct Injection {
    Side side;
    std::size_t queue;
    std::vector<std::uint8_t> frame;
  };

  explicit ReplaySession(const ReplayOptions& options);
  base::Status build(const config::GatewayConfig& config);
  // One instant: rounds until nothing moves. False if it did not settle
  // (a bound on rounds: a loop in the simulated network).
  bool settle();
  // Input frames due now, at most a burst per side, onto the queues' wires.
  std::size_t deliver_inputs();
  // What the simulated network answered, at most a burst.
  std::size_t deliver_injections();
  std::size_t deliver_from(io::PcapPort& input, Side side);
  bool deliver(Side side, std::size_t queue, const std::uint8_t* data, std::size_t length);
  // What the queues sent, into the outputs (and the simulated network).
  std::size_t collect_outputs();
  base::Nanoseconds next_timer_due() const noexcept;
  base::Status finish();

  ReplayOptions options_;
  base::ManualClock clock_;
  backend::MemoryBackend backend_;  // outlives the queues whose ports it opened
  nexthop::SharedNeighbor private_neighbor_;
  std::vector<daemon::SteppedQueue> queues_;  // in order of queue id
  std::vector<backend::MemoryBackend::FarEnds> far_ends_;
  std::vector<PublicSide> public_sides_;
  std::optional<SimulatedNeighbor> private_next_hop_;
  std::vector<SimulatedNeighbor> public_next_hops_;  // per queue
  std::deque<Injection> injections_;

  std::unique_ptr<io::FramePool> capture_pool_;  // outlives the captures
  std::unique_ptr<io::PcapPort> private_in_, public_in_, private_out_, public_out_;
  ReplaySummary summary_;
};

}  // namespace strait::replay
