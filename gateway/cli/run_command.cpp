#include "cli/run_command.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "backend/backend_kind.hpp"
#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "cli/gateway_arguments.hpp"
#include "daemon/control_loop.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/instance_directory.hpp"
#include "metrics/metrics_server.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait run --name NAME [--config FILE] [--xdp | --af-packet] [--cpu LIST]\n"
    "                  [--busywait] [--realtime] [--metrics ADDRESS:PORT]\n"
    "  Runs the gateway NAME on the kernel interfaces its configuration names\n"
    "  (ifname), until SIGTERM or SIGINT. One worker thread per queue (per\n"
    "  public interface): queue i serves its public interface and the private\n"
    "  interface's receive queue i-1 (the whole private interface when there is\n"
    "  only one queue); a public interface's device-queue picks its queue.\n"
    "  --name NAME  the instance name (letters, digits, - _ .)\n"
    "  --config FILE\n"
    "               the configuration file (default: /etc/strait/NAME.conf),\n"
    "               applied at start and again on SIGHUP (as one transaction:\n"
    "               rejected whole if invalid). A file holding keys (pre-shared\n"
    "               keys, static SAs) must be readable and writable by its owner\n"
    "               alone, root or the user strait runs as: strait refuses it\n"
    "               otherwise and says how to fix it (chmod 600 FILE)\n"
    "  --xdp        AF_XDP (the default when this build has it)\n"
    "  --af-packet  AF_PACKET (any interface; one copy per packet)\n"
    "  --cpu LIST   pin the workers to these CPUs, in queue order: 2,3 or 2-3\n"
    "  --busywait   workers never sleep (default: an idle worker sleeps up to 1 ms)\n"
    "  --realtime   workers run SCHED_FIFO\n"
    "  --metrics ADDRESS:PORT\n"
    "               serve every counter and gauge for Prometheus at\n"
    "               http://ADDRESS:PORT/metrics (e.g. 127.0.0.1:9100, [::1]:9100)\n"
    "  Files: /etc/strait/NAME.conf ($STRAIT_CONFIG_DIR replaces /etc/strait),\n"
    "  /run/strait/NAME/pid (one instance per name), /run/strait/NAME/gateway-state\n"
    "  (rewritten every second) and the control socket /run/strait/NAME.sock\n"
    "  (strait config, root only); $STRAIT_RUN_DIR replaces /run/strait.\n";

}  // namespace

std::string_view run_usage() {
  return kUsage;
}

int run_command(int argc, char** argv) {
  daemon::DaemonOptions options;
  GatewayArguments gateway;
  ArgumentReader reader("strait run", kUsage);
  add_gateway_arguments(reader, gateway);
  reader.option("--metrics", "ADDRESS:PORT (e.g. 127.0.0.1:9100)",
                [&](std::string_view v) -> base::Status {
                  if (auto endpoint = metrics::parse_endpoint(v); !endpoint)
                    return base::Error{"--metrics " + endpoint.error().message};
                  options.metrics_address = v;
                  return base::Ok{};
                });
  reader.flag("--busywait", options.busywait);
  reader.flag("--realtime", options.realtime);
  if (auto done = reader.read(argc, argv)) return *done;
  if (auto chosen = check_backend_choice(gateway); !chosen)
    return reader.usage_error(chosen.error().message);
  options.name = gateway.name;
  options.config_path = gateway.config_path;
  options.cpus = gateway.cpus;

  if (options.name.empty()) return reader.usage_error("--name is required");
  if (auto checked = daemon::check_instance_name(options.name); !checked)
    return reader.usage_error("--name: " + checked.error().message);
  if (options.config_path.empty()) {
    options.config_path = daemon::config_path_for(options.name);
    struct stat info {};
    if (::stat(options.config_path.c_str(), &info) != 0) {
      const int error = errno;
      std::fprintf(stderr,
                   "strait run: no --config, and no configuration for %s in %s (%s: %s): write "
                   "it there (chmod 600: it holds keys), or give --config FILE\n",
                   options.name.c_str(), daemon::config_directory().c_str(),
                   options.config_path.c_str(), std::strerror(error));
      return 1;
    }
  }
  if (gateway.af_packet) {
    options.backend = backend::BackendKind::kAfPacket;
  } else if (!gateway.xdp && !backend::backend_available(backend::BackendKind::kXdp)) {
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
