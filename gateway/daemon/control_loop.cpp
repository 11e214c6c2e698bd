#include "daemon/control_loop.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "base/blocked_signals.hpp"
#include "base/clock.hpp"
#include "base/log.hpp"
#include "config/file_access.hpp"
#include "config/load.hpp"
#include "config/schema.hpp"
#include "config/syntax_tree.hpp"
#include "control/controller.hpp"
#include "control/server.hpp"
#include "daemon/instance_directory.hpp"
#include "daemon/interface_watch.hpp"
#include "daemon/live_gateway.hpp"
#include "metrics/exposition.hpp"
#include "metrics/metrics_server.hpp"

namespace strait::daemon {

namespace {

// Every state_interval_ms: gateway-state to its file and, with --metrics,
// the Prometheus exposition (the summed state and each queue's, rendered
// here on the control thread once the workers run again). A file that
// cannot be written (a full disk, a read-only or unwritable directory) is
// logged once until it is written again: forwarding does not depend on it.
void write_state(const InstanceDirectory& directory, LiveGateway& gateway,
                 metrics::MetricsServer* metrics_server, const std::string& name,
                 bool& write_failing) {
  auto snapshot = gateway.snapshot(metrics_server != nullptr);
  if (!snapshot) {
    LOG_WARN("gateway-state not updated: " + snapshot.error().message);
    return;
  }
  if (auto written = directory.write_state(snapshot->summed); !written) {
    if (!write_failing)
      LOG_ERROR("gateway-state not written: " + written.error().message +
                " (forwarding goes on; retried every second, logged again once written)");
    write_failing = true;
  } else if (write_failing) {
    LOG_INFO("gateway-state written again in " + directory.state_path());
    write_failing = false;
  }
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

// The configuration file's text (into the secure heap: config::read_file),
// refused when it holds keys and others than its owner may read or write
// it, or its owner is neither root nor this process's user
// (config/file_access.hpp). A text that does not parse is returned as it
// is: its reader reports the syntax error.
base::Result<base::SecureString> read_configuration(const std::string& path) {
  config::FileAccess access;
  auto text = config::read_file(path, &access);
  if (!text) return text.error();
  if (auto document = config::parse_document(*text, path);
      document && config::holds_keys(*document))
    if (auto allowed = config::check_key_file_access(path, access, geteuid()); !allowed)
      return allowed.error();
  return text;
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

  // The file is checked before anything is claimed or opened; the
  // gateway then takes it as its first transaction.
  // Into the secure heap: the file holds keys (config::read_file). Its
  // text is released (wiped) once parsed; the tree keeps the values.
  auto text = read_configuration(options.config_path);
  if (!text) return text.error();
  auto document = config::parse_document(*text, options.config_path);
  text = base::SecureString();
  if (!document) return base::Error{document.error().message + " (fix the configuration file)"};
  if (auto loaded = config::apply_schema(*document, options.config_path); !loaded)
    return base::Error{loaded.error().message + " (fix the configuration file)"};
  auto backend = backend::make_backend(options.backend);
  if (!backend) return backend.error();

  auto directory = InstanceDirectory::claim(run_root(), options.name);
  if (!directory) return directory.error();
  auto state_directory = make_state_directory(state_root(), options.name);
  if (!state_directory) return state_directory.error();
  const std::string sequence_path = *state_directory + "/static-sa-sequences";
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
  LiveGatewayOptions gateway_options;
  gateway_options.cpus = options.cpus;
  gateway_options.threads.busywait = options.busywait;
  gateway_options.threads.realtime = options.realtime;
  gateway_options.config_path = options.config_path;
  gateway_options.sequence_file = sequence_path;
  auto gateway = LiveGateway::create(std::move(gateway_options), **backend, clock);
  if (!gateway) return gateway.error();
  control::Controller controller(**gateway, config::Statements{});
  if (auto started = controller.commit(std::move(document).value(), options.config_path); !started)
    return started.error();

  control::ServerOptions server_options;
  server_options.path = control::socket_path(run_root(), options.name);
  auto server = control::Server::listen(
      server_options, [&controller](const control::Request& r) { return controller.handle(r); });
  if (!server) return server.error();

  LOG_INFO("running (pid " + std::to_string(getpid()) + "), state in " +
           (*directory)->state_path() + ", control socket " + server_options.path);

  bool state_write_failing = false;
  write_state(**directory, **gateway, metrics_server.get(), options.name, state_write_failing);
  std::int64_t next_state = now_ms() + options.state_interval_ms;
  // Static SAs near the end of their reserved sequence numbers get the
  // next block reserved (SequenceFile) well before they reach it.
  constexpr std::int64_t kSequenceCheckMs = 250;
  std::int64_t next_sequence_check = now_ms() + kSequenceCheckMs;
  bool sequence_error_logged = false;
  // The interfaces the queues are bound to: down and up are said, an
  // interface gone stops the gateway with an error (interface_watch.hpp).
  InterfaceWatch interface_watch;
  std::optional<base::Error> stopped_by;
  std::vector<pollfd> fds;
  bool running = true;
  while (running) {
    fds.clear();
    fds.push_back(pollfd{signals.fd(), POLLIN, 0});
    (*server)->append_pollfds(fds);
    // Wake at least every second: the server drops late clients.
    const std::int64_t wait =
        std::clamp<std::int64_t>(std::min(next_state, next_sequence_check) - now_ms(), 0, 1000);
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait)) < 0 && errno != EINTR) {
      LOG_ERROR(std::string("poll: ") + std::strerror(errno));
      break;
    }
    if (fds[0].revents & POLLIN) {
      while (const int signal = signals.take()) {
        if (signal == SIGHUP) {
          auto reread = read_configuration(options.config_path);
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
    if (now_ms() >= next_sequence_check) {
      // Logged once per failing stretch: it is retried every check.
      if (auto extended = (*gateway)->extend_sequence_reservations(); !extended) {
        if (!sequence_error_logged) LOG_ERROR(extended.error().message);
        sequence_error_logged = true;
      } else if (sequence_error_logged) {
        LOG_INFO("static SA sequence numbers reserved again in " + sequence_path);
        sequence_error_logged = false;
      }
      next_sequence_check = now_ms() + kSequenceCheckMs;
    }
    if (now_ms() >= next_state) {
      interface_watch.watch((*gateway)->interfaces());
      for (const auto& event : interface_watch.check()) {
        switch (event.kind) {
          case InterfaceWatch::Event::Kind::kDown:
            LOG_WARN(event.message);
            break;
          case InterfaceWatch::Event::Kind::kUp:
            LOG_INFO(event.message);
            break;
          case InterfaceWatch::Event::Kind::kGone:  // strait run prints it as it exits
            if (!stopped_by) stopped_by = base::Error{event.message};
            running = false;
            break;
        }
      }
      write_state(**directory, **gateway, metrics_server.get(), options.name, state_write_failing);
      next_state = now_ms() + options.state_interval_ms;
    }
  }
  server->reset();
  gateway->reset();  // stops the key exchange and the workers, closes the ports
  directory->reset();
  if (stopped_by) return *stopped_by;
  LOG_INFO("stopped");
  return base::Ok{};
}

}  // namespace strait::daemon
