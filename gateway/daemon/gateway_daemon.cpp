#include "daemon/gateway_daemon.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
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

#include "base/blocked_signals.hpp"
#include "base/clock.hpp"
#include "base/log.hpp"
#include "base/random.hpp"
#include "config/schema.hpp"
#include "config/syntax_tree.hpp"
#include "config/warnings.hpp"
#include "control/controller.hpp"
#include "control/server.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/daemon_gateway.hpp"
#include "daemon/instance_directory.hpp"
#include "daemon/key_exchange_thread.hpp"
#include "daemon/queue_bindings.hpp"
#include "daemon/worker_thread.hpp"
#include "metrics/exposition.hpp"
#include "metrics/metrics_server.hpp"
#include "nexthop/shared_neighbor.hpp"
#include "worker/state_report.hpp"

namespace strait::daemon {

namespace {

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
  const base::BlockedSignals signals({SIGTERM, SIGINT, SIGHUP});
  if (signals.fd() < 0) return base::Error{std::string("signalfd: ") + std::strerror(errno)};
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
  auto backend = backend::make_backend(options.backend);
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
    const backend::QueueBinding& binding = (*bindings)[i];
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

  LOG_INFO("running (pid " + std::to_string(getpid()) + "), state in " +
           (*directory)->state_path() + ", control socket " + server_options.path);

  write_state(**directory, gateway, metrics_server.get(), options.name);
  std::int64_t next_state = now_ms() + options.state_interval_ms;
  std::vector<pollfd> fds;
  bool running = true;
  while (running) {
    fds.clear();
    fds.push_back(pollfd{signals.fd(), POLLIN, 0});
    (*server)->append_pollfds(fds);
    // Wake at least every second: the server drops late clients.
    const std::int64_t wait = std::clamp<std::int64_t>(next_state - now_ms(), 0, 1000);
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait)) < 0 && errno != EINTR) {
      LOG_ERROR(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      while (const int signal = signals.take()) {
        if (signal == SIGHUP) {
          auto reread = read_file(options.config_path);
          base::Status reloaded = reread ? controller.replace(*reread, options.config_path)
                                         : base::Status(reread.error());
          if (reloaded)
            LOG_INFO("SIGHUP: reloaded " + options.config_path);
          else
            LOG_WARN("SIGHUP: " + options.config_path +
                     " rejected, nothing changed: " + reloaded.error().message);
        } else {
          LOG_INFO(signal == SIGTERM ? "SIGTERM, stopping" : "SIGINT, stopping");
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
