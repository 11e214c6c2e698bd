#pragma once
// The running gateway of `strait run` as the control socket sees it
// (control::ManagedGateway): its queues (each a WorkerThread owning its
// worker and ports), the key-exchange thread that runs their key managers,
// and the transactions that change them.
//
// It starts empty: `strait run` applies its configuration file as the
// first transaction, so start-up and every later change (strait config,
// SIGHUP) go through apply() and build queues with the same QueueFactory.
// A transaction runs in four steps:
//   plan     which queues of the new configuration are kept, added or
//            rebuilt (their interfaces, ports or share of the private
//            interface changed), and which running ones go;
//   prepare  the added and rebuilt queues are built (ports opened, workers
//            created, threads started parked), then every thread is
//            paused and each kept worker checks the configuration
//            (Worker::prepare_reconfigure);
//   commit   kept workers are reconfigured in place (they keep their SAs),
//            the key-exchange thread is handed the new set of workers, the
//            queues that go are stopped, the new ones resumed;
//   log      one line per queue added, rebuilt or removed.
// Everything that can fail happens in plan and prepare, before anything
// running changes: a failed transaction leaves the gateway as it was.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "backend/backend.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "config/interface_change.hpp"
#include "control/controller.hpp"
#include "daemon/interface_watch.hpp"
#include "daemon/key_exchange_thread.hpp"
#include "daemon/queue_factory.hpp"
#include "daemon/running_queue.hpp"
#include "daemon/sequence_file.hpp"
#include "nexthop/shared_neighbor.hpp"
#include "worker/worker.hpp"

namespace strait::daemon {

struct LiveGatewayOptions {
  std::vector<int> cpus;   // queue i on cpus[i] (unless a kept queue has it); empty: not pinned
  ThreadSettings threads;  // busywait, realtime (the CPU is per queue)
  // Named in errors of the first transaction ("fix ifname in FILE").
  std::string config_path;
  // Data-plane: where static SAs' sequence numbers are reserved across
  // restarts (SequenceFile; strait run: <state root>/NAME/static-sa-sequences);
  // empty: not kept (each run starts them at 1).
  std::string sequence_file;
  std::uint64_t sequence_block = SequenceFile::kDefaultBlock;  // reserved at a time
};

// Why a queue of the new configuration is built anew rather than kept.
struct RebuildCause {
  enum class Kind : std::uint8_t {
    kAdded,             // no running queue has its id
    kPrivateInterface,  // the private interface is another one (field)
    kPublicInterface,   // its public interface is another one (field)
    kProtocolPort,      // the key exchange's UDP port changed
    kNatTraversalPort,  // NAT traversal's UDP port changed, or a route began or ceased to use it
    kPrivateShare,      // its receive queue of the private interface changed
  };
  Kind kind = Kind::kAdded;
  std::optional<config::InterfaceField> field;  // kPrivateInterface, kPublicInterface
};
// "public-interface ip changed", for log lines.
std::string describe(const RebuildCause& cause);

class LiveGateway final : public control::ManagedGateway {
 public:
  // An empty gateway (no queue) with its key-exchange thread running.
  // The backend and clock outlive it.
  static base::Result<std::unique_ptr<LiveGateway>> create(LiveGatewayOptions options,
                                                           backend::Backend& backend,
                                                           const base::Clock& clock);
  // Stops the key-exchange thread, then every queue (closing its ports).
  ~LiveGateway() override;
  LiveGateway(const LiveGateway&) = delete;
  LiveGateway& operator=(const LiveGateway&) = delete;

  base::Status apply(const config::GatewayConfig& config) override;

  base::Result<std::string> state(std::optional<std::uint16_t> queue) override;

  struct Snapshot {
    std::string summed;
    std::vector<std::pair<unsigned, std::string>> per_queue;  // with_queues only
  };
  // The summed state and, if asked, each queue's, from one pause.
  base::Result<Snapshot> snapshot(bool with_queues);

  // The running queues' ids, in configuration order (for tests and logs).
  std::vector<std::uint16_t> queue_ids() const;
  // The kernel interfaces the running queues' ports are bound to (the
  // private one once), with their indexes at opening, for the interface
  // watch; empty on the in-memory backend.
  std::vector<InterfaceWatch::Interface> interfaces() const;

  // With a sequence file, on the thread that applies transactions, while
  // the workers run: reserves the next block for every static SA within
  // half a block of its limit, then raises their limits (strait run's
  // control thread, several times a second). Errors: the file could not be
  // written (the SAs stop at their limits rather than reuse a nonce).
  base::Status extend_sequence_reservations();
  // The SequenceFile, if any (tests).
  const SequenceFile* sequence_file() const noexcept { return sequences_.get(); }
  // Packets static SAs at their limit did not send, over the running
  // queues (read with the workers paused).
  base::Result<std::uint64_t> sequence_exhausted_drops();

 private:
  // One queue of the new configuration, in its order.
  struct PlannedQueue {
    backend::QueueBinding binding;
    std::optional<std::size_t> kept;  // index into queues_; else built anew for `cause`
    RebuildCause cause;
  };
  struct Plan {
    std::vector<PlannedQueue> queues;
    std::vector<bool> running_kept;  // per queues_ entry
    bool new_private_interface = false;
  };
  // What prepare built: the new queues (by plan position) and, with a new
  // private interface, its next-hop neighbour; the kept workers' prepared
  // reconfigurations (by plan position).
  struct Prepared {
    std::vector<std::optional<RunningQueue>> built;
    std::unique_ptr<nexthop::SharedNeighbor> private_neighbor;
    std::vector<worker::Worker::Reconfiguration> reconfigurations;
  };
  class PausedThreads;

  LiveGateway(LiveGatewayOptions options, backend::Backend& backend, const base::Clock& clock,
              std::unique_ptr<SequenceFile> sequences);

  base::Result<Plan> plan(const config::GatewayConfig& config) const;
  base::Result<Prepared> build_queues(const config::GatewayConfig& config, const Plan& plan) const;
  base::Status prepare_kept(const config::GatewayConfig& config, const Plan& plan,
                            Prepared& prepared);
  void commit(const config::GatewayConfig& config, const Plan& plan, Prepared&& prepared,
              PausedThreads& paused);
  void log_new_queues(const Plan& plan) const;

  std::optional<RebuildCause> rebuild_cause(const RunningQueue& running,
                                            const backend::QueueBinding& binding,
                                            const config::GatewayConfig& config) const;
  base::Status device_queues_free(const backend::QueueBinding& binding) const;
  std::optional<int> cpu_for(std::size_t position, const std::vector<int>& taken) const;

  LiveGatewayOptions options_;
  std::unique_ptr<SequenceFile> sequences_;  // before the factory that hands it to workers
  QueueFactory factory_;
  // What the first transaction fixed (changing it needs a restart).
  struct Fixed {
    net::Family family;
    bool data_plane;
  };
  std::optional<Fixed> fixed_;
  std::optional<config::Interface> private_interface_;
  // The private interface's next hop, as resolved by whichever worker's
  // queue the ARP / ND reply arrives on; a new private interface comes with
  // a new one. Declared before the queues whose workers use it.
  std::unique_ptr<nexthop::SharedNeighbor> private_neighbor_;
  std::vector<RunningQueue> queues_;
  // Data-plane: the sequence marks (Worker::static_sequence_marks) of the
  // workers of queues stopped (removed or rebuilt), by queue id, handed to
  // the next worker built for that queue.
  std::map<std::uint16_t, worker::Worker::SequenceMarks> retired_sequence_marks_;
  // Declared after the queues: stopped and destroyed before them.
  KeyExchangeThread key_exchange_;
};

}  // namespace strait::daemon
