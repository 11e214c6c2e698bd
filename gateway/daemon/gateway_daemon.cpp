#include "daemon/gateway_daemon.hpp"

#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <string_view>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/load.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/instance_directory.hpp"
#include "daemon/key_exchange_thread.hpp"
#include "daemon/worker_thread.hpp"
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

void write_state(const InstanceDirectory& directory,
                 std::vector<std::unique_ptr<WorkerThread>>& threads,
                 KeyExchangeThread& key_exchange) {
  std::vector<const worker::Worker*> workers;
  std::size_t paused = 0;
  for (; paused < threads.size(); ++paused) {
    if (!threads[paused]->pause(kPauseTimeoutMs)) break;
    workers.push_back(&threads[paused]->worker());
  }
  // The key managers' counters: their thread parks too.
  const bool key_exchange_paused = key_exchange.pause(kPauseTimeoutMs);
  std::string text;
  if (paused == threads.size() && key_exchange_paused) text = worker::render_gateway_state(workers);
  if (key_exchange_paused) key_exchange.resume();
  for (std::size_t i = 0; i < paused; ++i)
    threads[i]->resume();
  if (text.empty()) {
    std::fprintf(stderr, "strait run: a worker did not pause; gateway-state not updated\n");
    return;
  }
  if (auto written = directory.write_state(text); !written)
    std::fprintf(stderr, "strait run: %s\n", written.error().message.c_str());
}

}  // namespace

base::Status run_gateway(const DaemonOptions& options) {
  // Signals go to the control thread only: block them before any thread
  // starts (threads inherit the mask), take them with sigtimedwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto loaded = config::load_file(options.config_path);
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

  const base::SystemClock clock;
  // The private interface's next hop, as resolved by whichever worker's
  // queue the ARP / ND reply arrives on. Outlives the threads below.
  nexthop::SharedNeighbor private_neighbor;
  std::vector<std::unique_ptr<WorkerThread>> threads;
  std::vector<worker::Worker*> workers;
  for (const auto& binding : *bindings) {
    auto ports = (*backend)->open_queue(binding);
    if (!ports)
      return base::Error{"queue " + std::to_string(binding.queue) + ": " +
                         with_hint(ports.error().message, options.backend)};
    auto random = std::make_unique<base::SystemRandom>();
    auto created = worker::Worker::create(config, binding.queue, (*ports)->private_port(),
                                          (*ports)->public_port(), clock, *random,
                                          &private_neighbor, worker::KeyExchangeHosting::kSeparate);
    if (!created)
      return base::Error{"queue " + std::to_string(binding.queue) + ": " + created.error().message};
    workers.push_back(created->get());
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
    std::fprintf(stderr, "strait run: %s: queue %u on %s: private %s, public %s%s\n",
                 options.name.c_str(), static_cast<unsigned>(b.queue),
                 std::string((*backend)->name()).c_str(), describe(b.private_side).c_str(),
                 describe(b.public_side).c_str(),
                 settings.cpu ? (", CPU " + std::to_string(*settings.cpu)).c_str() : "");
  }
  // Declared after the workers: stopped and destroyed before them.
  KeyExchangeThread key_exchange(std::move(workers));
  if (auto started = key_exchange.start(); !started) return started.error();
  std::fprintf(stderr, "strait run: %s: key exchange on its own thread (not on the workers' %s)\n",
               options.name.c_str(), options.cpus.empty() ? "threads" : "CPUs");
  std::fprintf(stderr, "strait run: %s: running (pid %ld), state in %s\n", options.name.c_str(),
               static_cast<long>(getpid()), (*directory)->state_path().c_str());

  write_state(**directory, threads, key_exchange);
  const timespec interval{options.state_interval_ms / 1000,
                          static_cast<long>(options.state_interval_ms % 1000) * 1'000'000L};
  for (;;) {
    siginfo_t info{};
    const int signal = sigtimedwait(&stop_signals, &info, &interval);
    if (signal == SIGTERM || signal == SIGINT) {
      std::fprintf(stderr, "strait run: %s: %s, stopping\n", options.name.c_str(),
                   signal == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (signal < 0 && errno == EINTR) continue;
    write_state(**directory, threads, key_exchange);
  }
  key_exchange.stop();  // before the workers and their ports
  for (auto& thread : threads)
    thread->stop();
  threads.clear();  // closes the ports (detaching XDP) and frees the pools
  directory->reset();
  std::fprintf(stderr, "strait run: %s: stopped\n", options.name.c_str());
  return base::Ok{};
}

}  // namespace strait::daemon
