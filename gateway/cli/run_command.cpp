#include "cli/run_command.hpp"

#include <cstdio>
#include <string>
#include <string_view>

#include "backend/backend_kind.hpp"
#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "daemon/control_loop.hpp"
#include "daemon/cpu_list.hpp"
#include "metrics/metrics_server.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait run --name NAME [--xdp | --af-packet] [--cpu LIST] [--busywait]\n"
    "                  [--realtime] [--metrics ADDRESS:PORT] --config FILE\n"
    "  Runs the gateway NAME on the kernel interfaces its configuration names\n"
    "  (ifname), until SIGTERM or SIGINT. One worker thread per queue (per\n"
    "  public interface): queue i serves its public interface and the private\n"
    "  interface's receive queue i-1 (the whole private interface when there is\n"
    "  only one queue); a public interface's device-queue picks its queue.\n"
    "  --xdp        AF_XDP (the default when this build has it)\n"
    "  --af-packet  AF_PACKET (any interface; one copy per packet)\n"
    "  --cpu LIST   pin the workers to these CPUs, in queue order: 2,3 or 2-3\n"
    "  --busywait   workers never sleep (default: an idle worker sleeps up to 1 ms)\n"
    "  --realtime   workers run SCHED_FIFO\n"
    "  --metrics ADDRESS:PORT\n"
    "               serve every counter and gauge for Prometheus at\n"
    "               http://ADDRESS:PORT/metrics (e.g. 127.0.0.1:9100, [::1]:9100)\n"
    "  --config     the configuration file, applied at start and again on SIGHUP\n"
    "               (as one transaction: rejected whole if invalid)\n"
    "  Files: /run/strait/NAME/pid (one instance per name),\n"
    "  /run/strait/NAME/gateway-state (rewritten every second) and the control socket\n"
    "  /run/strait/NAME.sock (strait config, root only); $STRAIT_RUN_DIR\n"
    "  replaces /run/strait.\n";

}  // namespace

int run_command(int argc, char** argv) {
  daemon::DaemonOptions options;
  bool xdp = false;
  bool af_packet = false;
  ArgumentReader reader("strait run", kUsage);
  reader.option("--name", "a value", [&](std::string_view v) {
    options.name = v;
    return base::Status(base::Ok{});
  });
  reader.option("--config", "a file", [&](std::string_view v) {
    options.config_path = v;
    return base::Status(base::Ok{});
  });
  reader.option("--cpu", "a list (e.g. 2,3 or 2-3)", [&](std::string_view v) -> base::Status {
    auto cpus = daemon::parse_cpu_list(v);
    if (!cpus) return cpus.error();
    options.cpus = std::move(*cpus);
    return base::Ok{};
  });
  reader.option("--metrics", "ADDRESS:PORT (e.g. 127.0.0.1:9100)",
                [&](std::string_view v) -> base::Status {
                  if (auto endpoint = metrics::parse_endpoint(v); !endpoint)
                    return base::Error{"--metrics " + endpoint.error().message};
                  options.metrics_address = v;
                  return base::Ok{};
                });
  reader.flag("--xdp", xdp);
  reader.flag("--af-packet", af_packet);
  reader.flag("--busywait", options.busywait);
  reader.flag("--realtime", options.realtime);
  if (auto done = reader.read(argc, argv)) return *done;

  if (options.name.empty()) return reader.usage_error("--name is required");
  if (options.config_path.empty())
    return reader.usage_error(
        "--config is required (the gateway starts from a configuration file)");
  if (xdp && af_packet) return reader.usage_error("--xdp and --af-packet exclude each other");
  if (af_packet) {
    options.backend = backend::BackendKind::kAfPacket;
  } else if (!xdp && !backend::backend_available(backend::BackendKind::kXdp)) {
    return reader.usage_error(
        "this build has no AF_XDP backend, the default: pass --af-packet to use AF_PACKET");
  }
  auto ran = daemon::run_gateway(options);
  if (!ran) {
    std::fprintf(stderr, "strait run: %s\n", ran.error().message.c_str());
    return 1;
  }
  return 0;
}

}  // namespace strait::cli
