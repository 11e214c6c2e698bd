#include "daemon/daemon_gateway.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "config/warnings.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/queue_bindings.hpp"
#include "worker/state_report.hpp"

namespace strait::daemon {

namespace {

constexpr int kPauseTimeoutMs = 1000;

// Pauses every worker and the key-exchange thread (all or none): the state
// they hold (SA tables, key managers) can then be read and changed from the
// control thread; resumed when this goes, but for those released (a queue
// stopped and destroyed while paused).
class PausedWorkers {
 public:
  PausedWorkers(std::vector<RunningQueue>& queues, KeyExchangeThread& key_exchange)
      : key_exchange_(key_exchange) {
    key_exchange_paused_ = key_exchange_.pause(kPauseTimeoutMs);
    if (!key_exchange_paused_) return;
    for (auto& q : queues) {
      if (!q.thread->pause(kPauseTimeoutMs)) return;
      paused_.push_back(q.thread.get());
    }
    all_ = true;
  }
  ~PausedWorkers() {
    for (WorkerThread* t : paused_)
      t->resume();
    if (key_exchange_paused_) key_exchange_.resume();
  }
  PausedWorkers(const PausedWorkers&) = delete;
  PausedWorkers& operator=(const PausedWorkers&) = delete;
  bool all() const { return all_; }
  void release(WorkerThread* thread) { std::erase(paused_, thread); }

 private:
  KeyExchangeThread& key_exchange_;
  bool key_exchange_paused_ = false;
  bool all_ = false;
  std::vector<WorkerThread*> paused_;
};

// What keeps a queue from running on as it is: its interfaces (ifname, pci,
// ip, mac; the public one's device-queue and nat-ip) or its ports' binding
// changed. Empty: it can be reconfigured in place.
std::string rebuild_reason(const RunningQueue& running, const backend::QueueBinding& binding,
                           const config::PublicInterface& public_interface,
                           const config::Interface& old_private,
                           const config::Interface& new_private) {
  const auto interface_change = [](const config::Interface& a, const config::Interface& b) {
    if (a.ifname != b.ifname) return std::string("ifname");
    if (a.pci != b.pci) return std::string("pci");
    if (!(a.ip == b.ip)) return std::string("ip");
    if (!(a.mac == b.mac)) return std::string("mac");
    return std::string();
  };
  if (auto what = interface_change(old_private, new_private); !what.empty())
    return "private-interface " + what + " changed";
  const config::PublicInterface& old_public = running.public_interface;
  if (auto what = interface_change(old_public, public_interface); !what.empty())
    return "public-interface " + what + " changed";
  if (old_public.device_queue != public_interface.device_queue)
    return "public-interface device-queue changed";
  if (old_public.nat_ip != public_interface.nat_ip) return "public-interface nat-ip changed";
  if (running.binding.protocol_port != binding.protocol_port) return "protocol-port changed";
  if (running.binding.private_side.device_queue != binding.private_side.device_queue)
    return "its share of the private interface changed: queues were added or removed";
  return {};
}

}  // namespace

DaemonGateway::DaemonGateway(const DaemonOptions& options, backend::Backend& backend,
                             const base::Clock& clock, const config::GatewayConfig& config,
                             std::vector<RunningQueue>& queues, KeyExchangeThread& key_exchange,
                             std::unique_ptr<nexthop::SharedNeighbor>& private_neighbor)
    : options_(options),
      backend_(backend),
      clock_(clock),
      queues_(queues),
      key_exchange_(key_exchange),
      private_neighbor_(private_neighbor),
      family_(config.family),
      data_plane_(config.data_plane),
      private_interface_(config.private_interface) {}

base::Status DaemonGateway::apply(const config::GatewayConfig& config) {
  if (config.family != family_)
    return base::Error{"changing the address family needs a restart of the gateway"};
  if (config.data_plane != data_plane_)
    return base::Error{"changing data-plane needs a restart of the gateway"};
  auto bindings = bindings_of(config, "the new configuration");
  if (!bindings) return bindings.error();
  if (!options_.cpus.empty() && options_.cpus.size() < bindings->size())
    return base::Error{"--cpu lists " + std::to_string(options_.cpus.size()) + " CPU(s) for " +
                       std::to_string(bindings->size()) +
                       " queue(s): a queue more needs a CPU more (restart with a longer --cpu)"};

  // A new private interface comes with a new next-hop neighbour (every
  // queue is rebuilt then). Declared before the queues that use it.
  const bool new_private = !(config.private_interface.ifname == private_interface_.ifname &&
                             config.private_interface.pci == private_interface_.pci &&
                             config.private_interface.ip == private_interface_.ip &&
                             config.private_interface.mac == private_interface_.mac);
  auto neighbor = new_private ? std::make_unique<nexthop::SharedNeighbor>()
                              : std::unique_ptr<nexthop::SharedNeighbor>();
  nexthop::SharedNeighbor* shared = new_private ? neighbor.get() : private_neighbor_.get();

  // The queues of `config`, in its order: kept (index into queues_) or
  // built anew.
  struct Planned {
    std::optional<std::size_t> kept;
    std::string reason;  // why it is (re)built
    RunningQueue fresh;
  };
  std::vector<Planned> plan(bindings->size());
  std::vector<bool> kept(queues_.size(), false);
  for (std::size_t i = 0; i < bindings->size(); ++i) {
    const backend::QueueBinding& binding = (*bindings)[i];
    const config::PublicInterface& public_interface = config.public_interfaces[i];
    plan[i].reason = "added";
    for (std::size_t j = 0; j < queues_.size(); ++j) {
      if (queues_[j].binding.queue != binding.queue) continue;
      plan[i].reason = rebuild_reason(queues_[j], binding, public_interface, private_interface_,
                                      config.private_interface);
      if (plan[i].reason.empty()) {
        plan[i].kept = j;
        kept[j] = true;
      }
    }
  }
  // Prepare: bindings checked, ports opened, workers created and their
  // threads started parked. Nothing running changes; on error all of it
  // goes again (destructors).
  std::vector<int> cpus_taken;
  for (const auto& p : plan)
    if (p.kept && queues_[*p.kept].cpu) cpus_taken.push_back(*queues_[*p.kept].cpu);
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].kept) continue;
    const backend::QueueBinding& binding = (*bindings)[i];
    const std::string queue_name = "queue " + std::to_string(binding.queue);
    for (const backend::PortBinding* side : {&binding.private_side, &binding.public_side})
      if (auto ok = check_binding(config, "the new configuration", *side); !ok)
        return base::Error{queue_name + ": " + ok.error().message};
    if (options_.backend == backend::BackendKind::kXdp)
      if (auto free = xdp_ports_free(binding); !free)
        return base::Error{queue_name + ": " + free.error().message};
    auto ports = backend_.open_queue(binding);
    if (!ports)
      return base::Error{queue_name + ": " + with_hint(ports.error().message, options_.backend)};
    auto random = std::make_unique<base::SystemRandom>();
    auto created = worker::Worker::create(config, binding.queue, (*ports)->private_port(),
                                          (*ports)->public_port(), clock_, *random, shared,
                                          worker::KeyExchangeHosting::kSeparate);
    if (!created) return base::Error{queue_name + ": " + created.error().message};
    RunningQueue& fresh = plan[i].fresh;
    fresh.binding = binding;
    fresh.public_interface = config.public_interfaces[i];
    if (!options_.cpus.empty()) {
      // The CPU of its position, as at start, unless a kept queue has it.
      int cpu = options_.cpus[i];
      if (std::ranges::find(cpus_taken, cpu) != cpus_taken.end())
        for (int c : options_.cpus)
          if (std::ranges::find(cpus_taken, c) == cpus_taken.end()) {
            cpu = c;
            break;
          }
      fresh.cpu = cpu;
      cpus_taken.push_back(cpu);
    }
    fresh.thread =
        std::make_unique<WorkerThread>(std::move(*ports), std::move(random), std::move(*created));
    ThreadSettings settings;
    settings.cpu = fresh.cpu;
    settings.busywait = options_.busywait;
    settings.realtime = options_.realtime;
    if (auto started = fresh.thread->start(settings, /*parked=*/true); !started)
      return base::Error{queue_name + ": " + started.error().message};
  }

  PausedWorkers paused(queues_, key_exchange_);
  if (!paused.all()) return base::Error{"a worker did not pause in time; try again"};
  std::vector<worker::Worker::Reconfiguration> prepared(plan.size());
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (!plan[i].kept) continue;
    auto& w = queues_[*plan[i].kept].thread->worker();
    auto p = w.prepare_reconfigure(config);
    if (!p) return base::Error{"queue " + std::to_string(w.queue()) + ": " + p.error().message};
    prepared[i] = std::move(p).value();
  }

  // Commit: nothing fails from here on.
  std::vector<RunningQueue> next;
  std::vector<worker::Worker*> workers;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].kept) {
      RunningQueue& q = queues_[*plan[i].kept];
      q.thread->worker().commit_reconfigure(config, std::move(prepared[i]));
      q.public_interface = config.public_interfaces[i];
      q.binding = (*bindings)[i];
      next.push_back(std::move(q));
    } else {
      next.push_back(std::move(plan[i].fresh));
    }
    workers.push_back(&next.back().thread->worker());
  }
  key_exchange_.set_workers(std::move(workers));
  for (std::size_t j = 0; j < queues_.size(); ++j) {
    if (kept[j]) continue;
    RunningQueue& old = queues_[j];
    bool replaced = false;
    for (const auto& p : plan)
      if (!p.kept && p.fresh.binding.queue == old.binding.queue) replaced = true;
    LOG_INFO("queue " + std::to_string(old.binding.queue) +
             (replaced ? " stopped to be rebuilt" : " removed") + " (" + ports_of(old.binding) +
             "): its SAs are gone");
    paused.release(old.thread.get());
    old.thread.reset();  // stops the thread, closes its ports
  }
  queues_ = std::move(next);
  if (neighbor) private_neighbor_ = std::move(neighbor);  // the old one's workers are gone
  private_interface_ = config.private_interface;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    if (plan[i].kept) continue;
    const RunningQueue& q = queues_[i];
    q.thread->resume();
    LOG_INFO("queue " + std::to_string(q.binding.queue) + " " +
             (plan[i].reason == "added" ? "added" : "rebuilt (" + plan[i].reason + ")") + " on " +
             std::string(backend_.name()) + ": " + ports_of(q.binding) +
             (q.cpu ? ", CPU " + std::to_string(*q.cpu) : std::string()) +
             (data_plane_ ? std::string() : "; its SAs are negotiated afresh"));
  }
  return base::Ok{};
}

base::Result<std::string> DaemonGateway::state(std::optional<std::uint16_t> queue) {
  PausedWorkers paused(queues_, key_exchange_);
  if (!paused.all()) return base::Error{"a worker did not pause in time; try again"};
  std::vector<const worker::Worker*> workers;
  for (const auto& q : queues_)
    if (!queue || q.thread->worker().queue() == *queue) workers.push_back(&q.thread->worker());
  if (workers.empty()) return base::Error{"no queue " + std::to_string(*queue)};
  return worker::render_gateway_state(workers);
}

base::Result<DaemonGateway::Snapshot> DaemonGateway::snapshot(bool with_queues) {
  PausedWorkers paused(queues_, key_exchange_);
  if (!paused.all()) return base::Error{"a worker did not pause in time"};
  std::vector<const worker::Worker*> workers;
  for (const auto& q : queues_)
    workers.push_back(&q.thread->worker());
  Snapshot snapshot{worker::render_gateway_state(workers), {}};
  if (with_queues)
    for (const auto* w : workers)
      snapshot.per_queue.emplace_back(w->queue(), worker::render_queue_state(*w));
  return snapshot;
}

base::Status DaemonGateway::xdp_ports_free(const backend::QueueBinding& binding) const {
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
