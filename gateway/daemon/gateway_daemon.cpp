#include "daemon/gateway_daemon.hpp"

#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <string_view>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/random.hpp"
#include "config/schema.hpp"
#include "config/syntax_tree.hpp"
#include "config/warnings.hpp"
#include "control/controller.hpp"
#include "control/server.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/instance_directory.hpp"
#include "daemon/key_exchange_thread.hpp"
#include "daemon/worker_thread.hpp"
#include "metrics/exposition.hpp"
#include "metrics/metrics_server.hpp"
#include "nexthop/shared_neighbor.hpp"
#include "worker/state_report.hpp"

namespace strait::daemon {

namespace {

constexpr int kPauseTimeoutMs = 1000;

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Says how to fix what the kernel refused.
std::string with_hint(const std::string& message, BackendKind kind) {
  if (contains(message, "not permitted") || contains(message, "ermission denied") ||
      contains(message, "EPERM"))
    return kind == BackendKind::kXdp
               ? message +
                     " (AF_XDP needs root, or CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and "
                     "CAP_SYS_ADMIN, and enough locked memory: ulimit -l)"
               : message + " (AF_PACKET needs root or CAP_NET_RAW)";
  if (kind == BackendKind::kXdp &&
      (contains(message, "not supported") || contains(message, "XDP") || contains(message, "xdp")))
    return message + " (the driver or kernel refused AF_XDP; try --af-packet)";
  return message;
}

std::string role_of(const config::GatewayConfig& config, const std::string& ifname) {
  if (config.private_interface.ifname == ifname) return "private-interface";
  return "public-interface";
}

// Interface present in this network namespace, and the receive queue
// there if one is asked for.
base::Status check_binding(const config::GatewayConfig& config, const std::string& config_path,
                           const PortBinding& binding) {
  if (if_nametoindex(binding.ifname.c_str()) == 0)
    return base::Error{"no interface '" + binding.ifname + "' (" + role_of(config, binding.ifname) +
                       " ifname) in this network namespace: check `ip link`, run strait in the "
                       "interface's namespace (ip netns exec NS ...), or fix ifname in " +
                       config_path};
  if (!binding.device_queue) return base::Ok{};
  const std::string queues = "/sys/class/net/" + binding.ifname + "/queues";
  struct stat info {};
  if (stat(queues.c_str(), &info) != 0)
    return base::Ok{};  // no sysfs view here: let the backend tell
  const std::string rx = queues + "/rx-" + std::to_string(*binding.device_queue);
  if (stat(rx.c_str(), &info) == 0) return base::Ok{};
  return base::Error{"interface '" + binding.ifname + "' has no receive queue " +
                     std::to_string(*binding.device_queue) + " (device queue " +
                     std::to_string(*binding.device_queue + 1) +
                     " counting from 1): give it more queues (ethtool -L " + binding.ifname +
                     " combined N), or use fewer public-interface queues / another device-queue "
                     "in " +
                     config_path};
}

base::Result<std::vector<QueueBinding>> bindings_of(const config::GatewayConfig& config,
                                                    const std::string& config_path) {
  const auto ifname_of = [&](const config::Interface& interface,
                             std::string_view role) -> base::Result<std::string> {
    if (interface.ifname) return *interface.ifname;
    return base::Error{std::string(role) +
                       " has no ifname: strait run drives kernel interfaces (AF_XDP, "
                       "AF_PACKET), not PCI devices; set ifname in " +
                       config_path};
  };
  auto private_ifname = ifname_of(config.private_interface, "private-interface");
  if (!private_ifname) return private_ifname.error();
  const bool shared_private = config.public_interfaces.size() > 1;
  std::vector<QueueBinding> bindings;
  for (const auto& public_interface : config.public_interfaces) {
    auto public_ifname =
        ifname_of(public_interface,
                  "public-interface (queue " + std::to_string(public_interface.queue) + ")");
    if (!public_ifname) return public_ifname.error();
    QueueBinding binding;
    binding.queue = public_interface.queue;
    binding.protocol_port = config.protocol_port;
    // Queue i serves the private interface's receive queue i-1 (RSS
    // spreads the private traffic); a lone queue takes the whole interface.
    binding.private_side = PortBinding{
        *private_ifname,
        shared_private
            ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(public_interface.queue - 1))
            : std::nullopt,
        config.private_interface.ip};
    binding.public_side = PortBinding{*public_ifname,
                                      public_interface.device_queue
                                          ? std::optional<std::uint16_t>(static_cast<std::uint16_t>(
                                                *public_interface.device_queue - 1))
                                          : std::nullopt,
                                      public_interface.ip};
    bindings.push_back(std::move(binding));
  }
  return bindings;
}

std::string describe(const PortBinding& binding) {
  return binding.ifname +
         (binding.device_queue ? " queue " + std::to_string(*binding.device_queue) : "");
}

// One running queue: its binding and CPU as started, and its thread (which
// owns the worker and the ports).
struct RunningQueue {
  QueueBinding binding;
  config::PublicInterface public_interface;
  std::optional<int> cpu;
  std::unique_ptr<WorkerThread> thread;
};

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
std::string rebuild_reason(const RunningQueue& running, const QueueBinding& binding,
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

std::string ports_of(const QueueBinding& b) {
  return "private " + describe(b.private_side) + ", public " + describe(b.public_side);
}

// The running gateway as the control socket sees it. A transaction that
// changes a queue's interfaces, or adds or removes public interfaces, is
// applied by rebuilding the queues concerned (new ports, new worker, new
// key manager: their SAs are negotiated afresh); the others are
// reconfigured in place and keep their SAs. Everything that can fail
// happens before anything running changes.
class DaemonGateway final : public control::ManagedGateway {
 public:
  DaemonGateway(const DaemonOptions& options, Backend& backend, const base::Clock& clock,
                const config::GatewayConfig& config, std::vector<RunningQueue>& queues,
                KeyExchangeThread& key_exchange,
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

  base::Status apply(const config::GatewayConfig& config) override {
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
      const QueueBinding& binding = (*bindings)[i];
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
      const QueueBinding& binding = (*bindings)[i];
      const std::string queue_name = "queue " + std::to_string(binding.queue);
      for (const PortBinding* side : {&binding.private_side, &binding.public_side})
        if (auto ok = check_binding(config, "the new configuration", *side); !ok)
          return base::Error{queue_name + ": " + ok.error().message};
      if (options_.backend == BackendKind::kXdp)
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

  base::Result<std::string> state(std::optional<std::uint16_t> queue) override {
    PausedWorkers paused(queues_, key_exchange_);
    if (!paused.all()) return base::Error{"a worker did not pause in time; try again"};
    std::vector<const worker::Worker*> workers;
    for (const auto& q : queues_)
      if (!queue || q.thread->worker().queue() == *queue) workers.push_back(&q.thread->worker());
    if (workers.empty()) return base::Error{"no queue " + std::to_string(*queue)};
    return worker::render_gateway_state(workers);
  }

  struct Snapshot {
    std::string summed;
    std::vector<std::pair<unsigned, std::string>> per_queue;  // with_queues only
  };
  // The summed state and, if asked, each queue's, from one pause.
  base::Result<Snapshot> snapshot(bool with_queues) {
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

 private:
  // AF_XDP binds one socket per interface queue: a port still held by a
  // running queue cannot be opened for its successor beside it.
  base::Status xdp_ports_free(const QueueBinding& binding) const {
    for (const auto& q : queues_)
      for (const PortBinding* held : {&q.binding.private_side, &q.binding.public_side})
        for (const PortBinding* wanted : {&binding.private_side, &binding.public_side})
          if (held->ifname == wanted->ifname &&
              held->device_queue.value_or(0) == wanted->device_queue.value_or(0))
            return base::Error{"AF_XDP cannot open " + describe(*wanted) + " while queue " +
                               std::to_string(q.binding.queue) +
                               " holds it: this change needs a restart of the gateway with "
                               "AF_XDP (AF_PACKET rebuilds queues live)"};
    return base::Ok{};
  }

  const DaemonOptions& options_;
  Backend& backend_;
  const base::Clock& clock_;
  std::vector<RunningQueue>& queues_;
  KeyExchangeThread& key_exchange_;
  std::unique_ptr<nexthop::SharedNeighbor>& private_neighbor_;
  net::Family family_;
  bool data_plane_;
  config::Interface private_interface_;
};

// Every state_interval_ms: gateway-state to its file and, with --metrics,
// the Prometheus exposition (the summed state and each queue's, rendered
// here on the control thread once the workers run again).
void write_state(const InstanceDirectory& directory, DaemonGateway& gateway,
                 metrics::MetricsServer* metrics_server, const std::string& name) {
  auto snapshot = gateway.snapshot(metrics_server != nullptr);
  if (!snapshot) {
    LOG_WARN("gateway-state not updated: " + snapshot.error().message);
    return;
  }
  if (auto written = directory.write_state(snapshot->summed); !written)
    LOG_ERROR(written.error().message);
  if (metrics_server == nullptr) return;
  std::vector<config::Statements> documents;
  std::vector<metrics::QueueState> states;
  documents.reserve(snapshot->per_queue.size() + 1);
  auto summed = config::parse_document(snapshot->summed, "gateway-state");
  if (summed) {
    documents.push_back(std::move(*summed));
    states.push_back({std::nullopt, &documents.back()});
  }
  for (const auto& [queue, text] : snapshot->per_queue) {
    auto document = config::parse_document(text, "gateway-state");
    if (!document) continue;
    documents.push_back(std::move(*document));
    states.push_back({queue, &documents.back()});
  }
  metrics_server->set_snapshot(metrics::render_exposition(name, states));
}

base::Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Error{path + ": " + std::strerror(errno)};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::int64_t now_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000;
}

}  // namespace

base::Status run_gateway(const DaemonOptions& options) {
  // Signals go to the control thread only: block them before any thread
  // starts (threads inherit the mask), take them through a signalfd.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  base::set_log_name(options.name);

  auto text = read_file(options.config_path);
  if (!text) return base::Error{text.error().message + " (fix the configuration file)"};
  auto document = config::parse_document(*text, options.config_path);
  if (!document) return base::Error{document.error().message + " (fix the configuration file)"};
  auto loaded = config::apply_schema(*document, options.config_path);
  if (!loaded) return base::Error{loaded.error().message + " (fix the configuration file)"};
  const config::GatewayConfig& config = *loaded;
  for (const auto& warning : config::warnings_of(config))
    LOG_WARN(options.config_path + ": " + warning);

  auto bindings = bindings_of(config, options.config_path);
  if (!bindings) return bindings.error();
  const std::size_t queue_count = bindings->size();
  if (!options.cpus.empty()) {
    if (options.cpus.size() < queue_count)
      return base::Error{"--cpu lists " + std::to_string(options.cpus.size()) + " CPU(s) for " +
                         std::to_string(queue_count) +
                         " queue(s): list one CPU per public interface"};
    if (auto allowed = check_cpus_allowed(options.cpus); !allowed) return allowed.error();
  }
  auto backend = make_backend(options.backend);
  if (!backend) return backend.error();
  for (const auto& binding : *bindings) {
    if (auto ok = check_binding(config, options.config_path, binding.private_side); !ok)
      return ok.error();
    if (auto ok = check_binding(config, options.config_path, binding.public_side); !ok)
      return ok.error();
  }

  auto directory = InstanceDirectory::claim(run_root(), options.name);
  if (!directory) return directory.error();
  std::unique_ptr<metrics::MetricsServer> metrics_server;
  if (!options.metrics_address.empty()) {
    auto endpoint = metrics::parse_endpoint(options.metrics_address);
    if (!endpoint) return base::Error{"--metrics " + endpoint.error().message};
    auto started = metrics::MetricsServer::start(*endpoint);
    if (!started) return started.error();
    metrics_server = std::move(*started);
    LOG_INFO("metrics on http://" + options.metrics_address + "/metrics");
  }

  const base::SystemClock clock;
  // The private interface's next hop, as resolved by whichever worker's
  // queue the ARP / ND reply arrives on. Outlives the threads below (a new
  // one comes with a new private interface, DaemonGateway::apply).
  auto private_neighbor = std::make_unique<nexthop::SharedNeighbor>();
  std::vector<RunningQueue> queues;
  std::vector<worker::Worker*> workers;
  for (std::size_t i = 0; i < bindings->size(); ++i) {
    const QueueBinding& binding = (*bindings)[i];
    auto ports = (*backend)->open_queue(binding);
    if (!ports)
      return base::Error{"queue " + std::to_string(binding.queue) + ": " +
                         with_hint(ports.error().message, options.backend)};
    auto random = std::make_unique<base::SystemRandom>();
    auto created = worker::Worker::create(
        config, binding.queue, (*ports)->private_port(), (*ports)->public_port(), clock, *random,
        private_neighbor.get(), worker::KeyExchangeHosting::kSeparate);
    if (!created)
      return base::Error{"queue " + std::to_string(binding.queue) + ": " + created.error().message};
    workers.push_back(created->get());
    RunningQueue q;
    q.binding = binding;
    q.public_interface = config.public_interfaces[i];
    if (!options.cpus.empty()) q.cpu = options.cpus[i];
    q.thread =
        std::make_unique<WorkerThread>(std::move(*ports), std::move(random), std::move(*created));
    queues.push_back(std::move(q));
  }
  for (auto& q : queues) {
    ThreadSettings settings;
    settings.cpu = q.cpu;
    settings.busywait = options.busywait;
    settings.realtime = options.realtime;
    if (auto started = q.thread->start(settings); !started) return started.error();
    LOG_INFO("queue " + std::to_string(q.binding.queue) + " on " + std::string((*backend)->name()) +
             ": " + ports_of(q.binding) +
             (settings.cpu ? ", CPU " + std::to_string(*settings.cpu) : std::string()));
  }
  // Declared after the workers: stopped and destroyed before them.
  KeyExchangeThread key_exchange(std::move(workers));
  if (auto started = key_exchange.start(); !started) return started.error();
  LOG_INFO(std::string("key exchange on its own thread (not on the workers' ") +
           (options.cpus.empty() ? "threads" : "CPUs") + ")");

  DaemonGateway gateway(options, **backend, clock, config, queues, key_exchange, private_neighbor);
  control::Controller controller(gateway, std::move(document).value());
  control::ServerOptions server_options;
  server_options.path = control::socket_path(run_root(), options.name);
  auto server = control::Server::listen(
      server_options, [&controller](const control::Request& r) { return controller.handle(r); });
  if (!server) return server.error();
  const int signal_fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) return base::Error{std::string("signalfd: ") + std::strerror(errno)};

  LOG_INFO("running (pid " + std::to_string(getpid()) + "), state in " +
           (*directory)->state_path() + ", control socket " + server_options.path);

  write_state(**directory, gateway, metrics_server.get(), options.name);
  std::int64_t next_state = now_ms() + options.state_interval_ms;
  std::vector<pollfd> fds;
  bool running = true;
  while (running) {
    fds.clear();
    fds.push_back(pollfd{signal_fd, POLLIN, 0});
    (*server)->append_pollfds(fds);
    // Wake at least every second: the server drops late clients.
    const std::int64_t wait = std::clamp<std::int64_t>(next_state - now_ms(), 0, 1000);
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait)) < 0 && errno != EINTR) {
      LOG_ERROR(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info{};
      while (::read(signal_fd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP) {
          auto reread = read_file(options.config_path);
          base::Status reloaded = reread ? controller.replace(*reread, options.config_path)
                                         : base::Status(reread.error());
          if (reloaded)
            LOG_INFO("SIGHUP: reloaded " + options.config_path);
          else
            LOG_WARN("SIGHUP: " + options.config_path +
                     " rejected, nothing changed: " + reloaded.error().message);
        } else {
          LOG_INFO(info.ssi_signo == SIGTERM ? "SIGTERM, stopping" : "SIGINT, stopping");
          running = false;
        }
      }
    }
    (*server)->handle(std::span<const pollfd>(fds).subspan(1));
    if (now_ms() >= next_state) {
      write_state(**directory, gateway, metrics_server.get(), options.name);
      next_state = now_ms() + options.state_interval_ms;
    }
  }
  ::close(signal_fd);
  server->reset();
  key_exchange.stop();  // before the workers and their ports
  for (auto& q : queues)
    q.thread->stop();
  queues.clear();  // closes the ports (detaching XDP) and frees the pools
  directory->reset();
  LOG_INFO("stopped");
  return base::Ok{};
}

}  // namespace strait::daemon
