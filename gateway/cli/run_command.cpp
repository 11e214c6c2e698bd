#include "cli/run_command.hpp"

#include <cstdio>
#include <string>
#include <string_view>

#include "daemon/cpu_list.hpp"
#include "daemon/control_loop.hpp"
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

int usage_error(const std::string& message) {
  std::fprintf(stderr, "strait run: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int run_command(int argc, char** argv) {
  daemon::DaemonOptions options;
  bool xdp = false;
  bool af_packet = false;
  for (int i = 0; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (arg == "--name") {
      const char* v = value();
      if (!v) return usage_error("--name needs a value");
      options.name = v;
    } else if (arg == "--config") {
      const char* v = value();
      if (!v) return usage_error("--config needs a file");
      options.config_path = v;
    } else if (arg == "--cpu") {
      const char* v = value();
      if (!v) return usage_error("--cpu needs a list (e.g. 2,3 or 2-3)");
      auto cpus = daemon::parse_cpu_list(v);
      if (!cpus) return usage_error(cpus.error().message);
      options.cpus = std::move(*cpus);
    } else if (arg == "--metrics") {
      const char* v = value();
      if (!v) return usage_error("--metrics needs ADDRESS:PORT (e.g. 127.0.0.1:9100)");
      if (auto endpoint = metrics::parse_endpoint(v); !endpoint)
        return usage_error("--metrics " + endpoint.error().message);
      options.metrics_address = v;
    } else if (arg == "--xdp") {
      xdp = true;
    } else if (arg == "--af-packet") {
      af_packet = true;
    } else if (arg == "--busywait") {
      options.busywait = true;
    } else if (arg == "--realtime") {
      options.realtime = true;
    } else {
      return usage_error("unknown option '" + std::string(arg) + "'");
    }
  }
  if (options.name.empty()) return usage_error("--name is required");
  if (options.config_path.empty())
    return usage_error("--config is required (the gateway starts from a configuration file)");
  if (xdp && af_packet) return usage_error("--xdp and --af-packet exclude each other");
  if (af_packet) {
    options.backend = daemon::BackendKind::kAfPacket;
  } else if (!xdp && !daemon::backend_available(daemon::BackendKind::kXdp)) {
    return usage_error(
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
