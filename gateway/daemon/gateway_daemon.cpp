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
#include "control/controller.hpp"
#include "control/server.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/instance_directory.hpp"
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

// Pauses every worker (all or none): the state they hold can then be read
// and changed from the control thread; resumed when this goes.
class PausedWorkers {
 public:
  explicit PausedWorkers(std::vector<std::unique_ptr<WorkerThread>>& threads) : threads_(threads) {
    for (; paused_ < threads_.size(); ++paused_)
      if (!threads_[paused_]->pause(kPauseTimeoutMs)) break;
  }
  ~PausedWorkers() {
    for (std::size_t i = 0; i < paused_; ++i)
      threads_[i]->resume();
  }
  PausedWorkers(const PausedWorkers&) = delete;
  PausedWorkers& operator=(const PausedWorkers&) = delete;
  bool all() const { return paused_ == threads_.size(); }

 private:
  std::vector<std::unique_ptr<WorkerThread>>& threads_;
  std::size_t paused_ = 0;
};

// The running gateway as the control socket sees it.
class DaemonGateway final : public control::ManagedGateway {
 public:
  explicit DaemonGateway(std::vector<std::unique_ptr<WorkerThread>>& threads) : threads_(threads) {}

  base::Status apply(const config::GatewayConfig& config) override {
    // Queues come with ports and threads: those stay as they started.
    for (const auto& p : config.public_interfaces) {
      bool served = false;
      for (const auto& t : threads_)
        if (t->worker().queue() == p.queue) served = true;
      if (!served)
        return base::Error{"adding a public-interface (queue " + std::to_string(p.queue) +
                           ") needs a restart of the gateway"};
    }
    PausedWorkers paused(threads_);
    if (!paused.all()) return base::Error{"a worker did not pause in time; try again"};
    std::vector<worker::Worker::Reconfiguration> prepared;
    for (auto& t : threads_) {
      auto p = t->worker().prepare_reconfigure(config);
      if (!p)
        return base::Error{"queue " + std::to_string(t->worker().queue()) + ": " +
                           p.error().message};
      prepared.push_back(std::move(p).value());
    }
    for (std::size_t i = 0; i < threads_.size(); ++i)
      threads_[i]->worker().commit_reconfigure(config, std::move(prepared[i]));
    return base::Ok{};
  }

  base::Result<std::string> state(std::optional<std::uint16_t> queue) override {
    PausedWorkers paused(threads_);
    if (!paused.all()) return base::Error{"a worker did not pause in time; try again"};
    std::vector<const worker::Worker*> workers;
    for (const auto& t : threads_)
      if (!queue || t->worker().queue() == *queue) workers.push_back(&t->worker());
    if (workers.empty()) return base::Error{"no queue " + std::to_string(*queue)};
    return worker::render_gateway_state(workers);
  }

  struct Snapshot {
    std::string summed;
    std::vector<std::pair<unsigned, std::string>> per_queue;  // with_queues only
  };
  // The summed state and, if asked, each queue's, from one pause.
  base::Result<Snapshot> snapshot(bool with_queues) {
    PausedWorkers paused(threads_);
    if (!paused.all()) return base::Error{"a worker did not pause in time"};
    std::vector<const worker::Worker*> workers;
    for (const auto& t : threads_)
      workers.push_back(&t->worker());
    Snapshot snapshot{worker::render_gateway_state(workers), {}};
    if (with_queues)
      for (const auto* w : workers)
        snapshot.per_queue.emplace_back(w->queue(), worker::render_queue_state(*w));
    return snapshot;
  }

 private:
  std::vector<std::unique_ptr<WorkerThread>>& threads_;
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

  auto bindings = bindings_of(config, options.config_path);
  if (!bindings) return bindings.error();
  const std::size_t queues = bindings->size();
  if (!options.cpus.empty()) {
    if (options.cpus.size() < queues)
      return base::Error{"--cpu lists " + std::to_string(options.cpus.size()) + " CPU(s) for " +
                         std::to_string(queues) + " queue(s): list one CPU per public interface"};
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
  // queue the ARP / ND reply arrives on. Outlives the threads below.
  nexthop::SharedNeighbor private_neighbor;
  std::vector<std::unique_ptr<WorkerThread>> threads;
  for (const auto& binding : *bindings) {
    auto ports = (*backend)->open_queue(binding);
    if (!ports)
      return base::Error{"queue " + std::to_string(binding.queue) + ": " +
                         with_hint(ports.error().message, options.backend)};
    auto random = std::make_unique<base::SystemRandom>();
    auto created =
        worker::Worker::create(config, binding.queue, (*ports)->private_port(),
                               (*ports)->public_port(), clock, *random, &private_neighbor);
    if (!created)
      return base::Error{"queue " + std::to_string(binding.queue) + ": " + created.error().message};
    threads.push_back(
        std::make_unique<WorkerThread>(std::move(*ports), std::move(random), std::move(*created)));
  }
  for (std::size_t i = 0; i < threads.size(); ++i) {
    ThreadSettings settings;
    if (!options.cpus.empty()) settings.cpu = options.cpus[i];
    settings.busywait = options.busywait;
    settings.realtime = options.realtime;
    if (auto started = threads[i]->start(settings); !started) return started.error();
    const QueueBinding& b = (*bindings)[i];
    LOG_INFO("queue " + std::to_string(b.queue) + " on " + std::string((*backend)->name()) +
             ": private " + describe(b.private_side) + ", public " + describe(b.public_side) +
             (settings.cpu ? ", CPU " + std::to_string(*settings.cpu) : std::string()));
  }

  DaemonGateway gateway(threads);
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
  for (auto& thread : threads)
    thread->stop();
  threads.clear();  // closes the ports (detaching XDP) and frees the pools
  directory->reset();
  LOG_INFO("stopped");
  return base::Ok{};
}

}  // namespace strait::daemon
