#include "daemon/live_gateway.hpp"

#include <net/if.h>

#include <algorithm>

#include "base/log.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/queue_bindings.hpp"
#include "worker/state_report.hpp"

namespace strait::daemon {

namespace {

constexpr int kPauseTimeoutMs = 1000;

std::string queue_name(std::uint16_t queue) {
  return "queue " + std::to_string(queue);
}

}  // namespace

std::string describe(const RebuildCause& cause) {
  const std::string field = cause.field ? std::string(config::field_name(*cause.field)) : "?";
  switch (cause.kind) {
    case RebuildCause::Kind::kAdded:
      return "added";
    case RebuildCause::Kind::kPrivateInterface:
      return "private-interface " + field + " changed";
    case RebuildCause::Kind::kPublicInterface:
      return "public-interface " + field + " changed";
    case RebuildCause::Kind::kProtocolPort:
      return "protocol-port changed";
    case RebuildCause::Kind::kNatTraversalPort:
      return "nat-traversal port (or its use by a route) changed";
    case RebuildCause::Kind::kPrivateShare:
      return "its share of the private interface changed: queues were added or removed";
  }
  return "?";
}

// Pauses every worker and the key-exchange thread (all or none): the state
// they hold (SA tables, key managers) can then be read and changed from the
// control thread; resumed when this goes, but for those released (a queue
// stopped and destroyed while paused).
class LiveGateway::PausedThreads {
 public:
  PausedThreads(std::vector<RunningQueue>& queues, KeyExchangeThread& key_exchange)
      : key_exchange_(key_exchange) {
    key_exchange_paused_ = key_exchange_.pause(kPauseTimeoutMs);
    if (!key_exchange_paused_) return;
    for (auto& q : queues) {
      if (!q.thread->pause(kPauseTimeoutMs)) return;
      paused_.push_back(q.thread.get());
    }
    all_ = true;
  }
  ~PausedThreads() {
    for (WorkerThread* t : paused_)
      t->resume();
    if (key_exchange_paused_) key_exchange_.resume();
  }
  PausedThreads(const PausedThreads&) = delete;
  PausedThreads& operator=(const PausedThreads&) = delete;
  bool all() const { return all_; }
  void release(WorkerThread* thread) { std::erase(paused_, thread); }

 private:
  KeyExchangeThread& key_exchange_;
  bool key_exchange_paused_ = false;
  bool all_ = false;
  std::vector<WorkerThread*> paused_;
};

base::Result<std::unique_ptr<LiveGateway>> LiveGateway::create(LiveGatewayOptions options,
                                                               backend::Backend& backend,
                                                               const base::Clock& clock) {
  if (!options.cpus.empty())
    if (auto allowed = check_cpus_allowed(options.cpus); !allowed) return allowed.error();
  std::unique_ptr<SequenceFile> sequences;
  if (!options.sequence_file.empty()) {
    auto opened = SequenceFile::open(options.sequence_file, options.sequence_block);
    if (!opened) return opened.error();
    sequences = std::move(opened).value();
  }
  std::unique_ptr<LiveGateway> gateway(
      new LiveGateway(std::move(options), backend, clock, std::move(sequences)));
  if (auto started = gateway->key_exchange_.start(); !started) return started.error();
  LOG_INFO(std::string("key exchange on its own thread (not on the workers' ") +
           (gateway->options_.cpus.empty() ? "threads" : "CPUs") + ")");
  return gateway;
}

LiveGateway::LiveGateway(LiveGatewayOptions options, backend::Backend& backend,
                         const base::Clock& clock, std::unique_ptr<SequenceFile> sequences)
    : options_(std::move(options)),
      sequences_(std::move(sequences)),
      factory_(backend, clock, QueueFactory::Options{options_.threads, {}, 1, sequences_.get()}),
      key_exchange_(std::vector<worker::Worker*>{}) {}

LiveGateway::~LiveGateway() {
  key_exchange_.stop();  // before the workers it runs the key managers of
  for (auto& q : queues_)
    q.thread->stop();
  queues_.clear();  // closes the ports (detaching XDP) and frees the pools
}

base::Status LiveGateway::apply(const config::GatewayConfig& config) {
  auto planned = plan(config);
  if (!planned) return planned.error();
  // Static SAs send only what the sequence file has reserved: a first
  // block for every key and salt new to this run, on disk before any
  // worker installs it.
  if (sequences_ && config.data_plane) {
    std::vector<esp::KeyFingerprint> fingerprints;
    for (const auto& sa : config.outbound_sas)
      fingerprints.push_back(esp::key_fingerprint(sa.key, sa.salt));
    if (auto reserved = sequences_->reserve(fingerprints); !reserved)
      return base::Error{
          "cannot reserve sequence numbers for the static SAs (outbound-sa), "
          "which must never reuse one after a restart: " +
          reserved.error().message};
  }
  auto prepared = build_queues(config, *planned);
  if (!prepared) return prepared.error();
  PausedThreads paused(queues_, key_exchange_);
  if (!paused.all()) return base::Error{"a worker did not pause in time; try again"};
  if (auto ready = prepare_kept(config, *planned, *prepared); !ready) return ready;
  commit(config, *planned, std::move(*prepared), paused);
  log_new_queues(*planned);
  return base::Ok{};
}

base::Status LiveGateway::extend_sequence_reservations() {
  if (!sequences_) return base::Ok{};
  // What each static SA will have sent by the next check, at worst, is
  // unknown: reserve when it is within half a block of its limit.
  const std::uint64_t margin = sequences_->block() / 2;
  std::vector<std::pair<esp::KeyFingerprint, std::uint64_t>> needed;
  for (auto& q : queues_)
    q.thread->worker().for_each_static_outbound(
        [&](const esp::KeyFingerprint& fingerprint, esp::OutboundSa& sa) {
          const std::uint64_t next = sa.last_sequence() + 1;
          if (next < sa.limit() && sa.limit() - next > margin) return;
          for (auto& [known, sequence] : needed)
            if (known == fingerprint) {
              sequence = std::max(sequence, next);
              return;
            }
          needed.emplace_back(fingerprint, next);
        });
  if (needed.empty()) return base::Ok{};
  if (auto extended = sequences_->extend(needed); !extended)
    return base::Error{
        "cannot reserve more sequence numbers for the static SAs (they stop "
        "sending at their limit rather than reuse a nonce): " +
        extended.error().message};
  // On disk: the SAs may go on.
  for (auto& q : queues_)
    q.thread->worker().for_each_static_outbound(
        [&](const esp::KeyFingerprint& fingerprint, esp::OutboundSa& sa) {
          sa.set_limit(std::max(sa.limit(), sequences_->limit(fingerprint)));
        });
  return base::Ok{};
}

base::Result<std::uint64_t> LiveGateway::sequence_exhausted_drops() {
  PausedThreads paused(queues_, key_exchange_);
  if (!paused.all()) return base::Error{"a worker did not pause in time"};
  std::uint64_t drops = 0;
  for (const auto& q : queues_)
    drops += q.thread->worker().sequence_exhausted_drops();
  return drops;
}

// Plan: the queues of `config`, in its order, each kept or built anew (and
// why). Checks what no queue can take live.
base::Result<LiveGateway::Plan> LiveGateway::plan(const config::GatewayConfig& config) const {
  const bool first = !fixed_.has_value();
  if (!first && config.family != fixed_->family)
    return base::Error{"changing the address family needs a restart of the gateway"};
  if (!first && config.data_plane != fixed_->data_plane)
    return base::Error{"changing data-plane needs a restart of the gateway"};
  auto bindings = bindings_of(config, first ? options_.config_path : "the new configuration");
  if (!bindings) return bindings.error();
  if (!options_.cpus.empty() && options_.cpus.size() < bindings->size())
    return base::Error{"--cpu lists " + std::to_string(options_.cpus.size()) + " CPU(s) for " +
                       std::to_string(bindings->size()) + " queue(s): " +
                       (first ? "list one CPU per public interface"
                              : "a queue more needs a CPU more (restart with a longer --cpu)")};
  Plan plan;
  plan.new_private_interface =
      first || config::identity_change(*private_interface_, config.private_interface).has_value();
  plan.running_kept.assign(queues_.size(), false);
  for (const backend::QueueBinding& binding : *bindings) {
    PlannedQueue planned{binding, std::nullopt, RebuildCause{}};
    for (std::size_t j = 0; j < queues_.size(); ++j) {
      if (queues_[j].binding.queue != binding.queue) continue;
      if (auto cause = rebuild_cause(queues_[j], binding, config)) {
        planned.cause = *cause;
      } else {
        planned.kept = j;
        plan.running_kept[j] = true;
      }
    }
    plan.queues.push_back(std::move(planned));
  }
  return plan;
}

// What keeps a running queue from going on as it is under `config`: its
// interfaces or its ports' binding changed. nullopt: it is reconfigured in
// place.
std::optional<RebuildCause> LiveGateway::rebuild_cause(const RunningQueue& running,
                                                       const backend::QueueBinding& binding,
                                                       const config::GatewayConfig& config) const {
  using Kind = RebuildCause::Kind;
  if (auto field = config::identity_change(*private_interface_, config.private_interface))
    return RebuildCause{Kind::kPrivateInterface, field};
  const config::PublicInterface* public_interface = config.public_interface(binding.queue);
  if (auto field = config::identity_change(running.public_interface, *public_interface))
    return RebuildCause{Kind::kPublicInterface, field};
  if (running.binding.protocol_port != binding.protocol_port)
    return RebuildCause{Kind::kProtocolPort, std::nullopt};
  if (running.binding.nat_port != binding.nat_port)  // the XDP filter takes that port
    return RebuildCause{Kind::kNatTraversalPort, std::nullopt};
  if (running.binding.private_side.device_queue != binding.private_side.device_queue)
    return RebuildCause{Kind::kPrivateShare, std::nullopt};
  return std::nullopt;
}

// Prepare, first half: the queues to add or rebuild, built through the
// factory with their threads parked. Nothing running changes; on error
// what was built goes again (destructors).
base::Result<LiveGateway::Prepared> LiveGateway::build_queues(const config::GatewayConfig& config,
                                                              const Plan& plan) const {
  Prepared prepared;
  prepared.built.resize(plan.queues.size());
  if (plan.new_private_interface)
    prepared.private_neighbor = std::make_unique<nexthop::SharedNeighbor>();
  nexthop::SharedNeighbor* neighbor =
      plan.new_private_interface ? prepared.private_neighbor.get() : private_neighbor_.get();
  const std::string origin = fixed_ ? "the new configuration" : options_.config_path;
  std::vector<int> cpus_taken;
  for (const auto& p : plan.queues)
    if (p.kept && queues_[*p.kept].cpu) cpus_taken.push_back(*queues_[*p.kept].cpu);
  for (std::size_t i = 0; i < plan.queues.size(); ++i) {
    const PlannedQueue& p = plan.queues[i];
    if (p.kept) continue;
    const std::string name = queue_name(p.binding.queue);
    // Kernel interfaces are checked first, for errors that say how to fix
    // what is missing; AF_XDP binds one socket per interface queue, so a
    // port a running queue holds cannot be opened for its successor.
    const backend::BackendKind kind = factory_.backend().kind();
    if (kind != backend::BackendKind::kMemory)
      for (const backend::PortBinding* side : {&p.binding.private_side, &p.binding.public_side})
        if (auto present = check_binding(config, origin, *side); !present)
          return base::Error{name + ": " + present.error().message};
    if (kind == backend::BackendKind::kXdp)
      if (auto free = device_queues_free(p.binding); !free)
        return base::Error{name + ": " + free.error().message};
    const std::optional<int> cpu = cpu_for(i, cpus_taken);
    if (cpu) cpus_taken.push_back(*cpu);
    auto queue = factory_.build(config, p.binding, cpu, neighbor);
    if (!queue) return base::Error{name + ": " + queue.error().message};
    if (kind != backend::BackendKind::kMemory) {
      queue->private_ifindex = if_nametoindex(p.binding.private_side.ifname.c_str());
      queue->public_ifindex = if_nametoindex(p.binding.public_side.ifname.c_str());
    }
    prepared.built[i] = std::move(*queue);
  }
  return prepared;
}

// The CPU of queue position `position`, as at start-up, unless a kept queue
// has it: then the first listed one still free.
std::optional<int> LiveGateway::cpu_for(std::size_t position, const std::vector<int>& taken) const {
  if (options_.cpus.empty()) return std::nullopt;
  const auto is_taken = [&](int cpu) { return std::ranges::find(taken, cpu) != taken.end(); };
  if (!is_taken(options_.cpus[position])) return options_.cpus[position];
  for (int cpu : options_.cpus)
    if (!is_taken(cpu)) return cpu;
  return options_.cpus[position];
}

// Prepare, second half (every thread paused): each kept worker checks the
// configuration and builds its new tables aside.
base::Status LiveGateway::prepare_kept(const config::GatewayConfig& config, const Plan& plan,
                                       Prepared& prepared) {
  prepared.reconfigurations.resize(plan.queues.size());
  for (std::size_t i = 0; i < plan.queues.size(); ++i) {
    if (!plan.queues[i].kept) continue;
    auto& w = queues_[*plan.queues[i].kept].thread->worker();
    auto reconfiguration = w.prepare_reconfigure(config);
    if (!reconfiguration)
      return base::Error{queue_name(w.queue()) + ": " + reconfiguration.error().message};
    prepared.reconfigurations[i] = std::move(reconfiguration).value();
  }
  return base::Ok{};
}

// Commit (every thread paused): nothing fails from here on.
void LiveGateway::commit(const config::GatewayConfig& config, const Plan& plan, Prepared&& prepared,
                         PausedThreads& paused) {
  std::vector<RunningQueue> next;
  std::vector<worker::Worker*> workers;
  next.reserve(plan.queues.size());
  for (std::size_t i = 0; i < plan.queues.size(); ++i) {
    const PlannedQueue& p = plan.queues[i];
    if (p.kept) {
      RunningQueue& q = queues_[*p.kept];
      q.thread->worker().commit_reconfigure(config, std::move(prepared.reconfigurations[i]));
      q.public_interface = *config.public_interface(p.binding.queue);
      q.binding = p.binding;
      next.push_back(std::move(q));
    } else {
      next.push_back(std::move(*prepared.built[i]));
    }
    workers.push_back(&next.back().thread->worker());
  }
  key_exchange_.set_workers(std::move(workers));
  for (std::size_t j = 0; j < queues_.size(); ++j) {
    if (plan.running_kept[j]) continue;
    RunningQueue& old = queues_[j];
    // Its static SAs' sequence numbers outlive it: a queue built again with
    // the same keys and salts goes on above them (never a nonce twice).
    for (const auto& [fingerprint, sequence] : old.thread->worker().static_sequence_marks()) {
      std::uint64_t& mark = retired_sequence_marks_[old.binding.queue][fingerprint];
      mark = std::max(mark, sequence);
    }
    const bool replaced = std::ranges::any_of(
        plan.queues, [&](const PlannedQueue& p) { return p.binding.queue == old.binding.queue; });
    LOG_INFO(queue_name(old.binding.queue) + (replaced ? " stopped to be rebuilt" : " removed") +
             " (" + ports_of(old.binding) + "): its SAs are gone");
    paused.release(old.thread.get());
    old.thread.reset();  // stops the thread, closes its ports
  }
  queues_ = std::move(next);
  // The old neighbour's workers are gone.
  if (prepared.private_neighbor) private_neighbor_ = std::move(prepared.private_neighbor);
  if (!fixed_) fixed_ = Fixed{config.family, config.data_plane};
  private_interface_ = config.private_interface;
  for (std::size_t i = 0; i < plan.queues.size(); ++i) {
    if (plan.queues[i].kept) continue;
    const auto marks = retired_sequence_marks_.find(plan.queues[i].binding.queue);
    if (marks != retired_sequence_marks_.end())
      queues_[i].thread->worker().continue_static_sequences(marks->second);
    queues_[i].thread->resume();
  }
}

// Log: a line per queue built by the transaction.
void LiveGateway::log_new_queues(const Plan& plan) const {
  for (std::size_t i = 0; i < plan.queues.size(); ++i) {
    const PlannedQueue& p = plan.queues[i];
    if (p.kept) continue;
    const RunningQueue& q = queues_[i];
    const bool added = p.cause.kind == RebuildCause::Kind::kAdded;
    LOG_INFO(queue_name(q.binding.queue) + " " +
             (added ? std::string("added") : "rebuilt (" + describe(p.cause) + ")") + " on " +
             std::string(factory_.backend().name()) + ": " + ports_of(q.binding) +
             (q.cpu ? ", CPU " + std::to_string(*q.cpu) : std::string()) +
             (fixed_->data_plane ? std::string() : "; its SAs are negotiated afresh"));
  }
}

base::Result<std::string> LiveGateway::state(std::optional<std::uint16_t> queue) {
  PausedThreads paused(queues_, key_exchange_);
  if (!paused.all()) return base::Error{"a worker did not pause in time; try again"};
  std::vector<const worker::Worker*> workers;
  for (auto& q : queues_) {
    q.thread->worker().collect_kernel_counters();
    if (!queue || q.thread->worker().queue() == *queue) workers.push_back(&q.thread->worker());
  }
  if (workers.empty())
    return base::Error{queue ? "no queue " + std::to_string(*queue) : "no queue is running"};
  return worker::render_gateway_state(workers, {.esp_implementation = true});
}

base::Result<LiveGateway::Snapshot> LiveGateway::snapshot(bool with_queues) {
  PausedThreads paused(queues_, key_exchange_);
  if (!paused.all()) return base::Error{"a worker did not pause in time"};
  std::vector<const worker::Worker*> workers;
  for (auto& q : queues_) {
    q.thread->worker().collect_kernel_counters();
    workers.push_back(&q.thread->worker());
  }
  Snapshot snapshot{worker::render_gateway_state(workers, {.esp_implementation = true}), {}};
  if (with_queues)
    for (const auto* w : workers)
      snapshot.per_queue.emplace_back(w->queue(),
                                      worker::render_queue_state(*w, {.esp_implementation = true}));
  return snapshot;
}

std::vector<std::uint16_t> LiveGateway::queue_ids() const {
  std::vector<std::uint16_t> ids;
  for (const auto& q : queues_)
    ids.push_back(q.binding.queue);
  return ids;
}

std::vector<InterfaceWatch::Interface> LiveGateway::interfaces() const {
  std::vector<InterfaceWatch::Interface> interfaces;
  for (const auto& q : queues_) {
    if (q.private_ifindex != 0 && (interfaces.empty() || interfaces.front().role != "private"))
      interfaces.insert(interfaces.begin(),
                        {q.binding.private_side.ifname, "private", q.private_ifindex});
    if (q.public_ifindex != 0)
      interfaces.push_back({q.binding.public_side.ifname, queue_name(q.binding.queue) + " public",
                            q.public_ifindex});
  }
  return interfaces;
}

base::Status LiveGateway::device_queues_free(const backend::QueueBinding& binding) const {
  for (const auto& q : queues_)
    for (const backend::PortBinding* held : {&q.binding.private_side, &q.binding.public_side})
      for (const backend::PortBinding* wanted : {&binding.private_side, &binding.public_side})
        if (held->ifname == wanted->ifname &&
            held->device_queue.value_or(0) == wanted->device_queue.value_or(0))
          return base::Error{"AF_XDP cannot open " + describe(*wanted) + " while queue " +
                             std::to_string(q.binding.queue) +
                             " holds it: this change needs a restart of the gateway with "
                             "AF_XDP (AF_PACKET rebuilds queues live)"};
  return base::Ok{};
}

}  // namespace strait::daemon
