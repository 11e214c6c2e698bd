#include "cli/check_host_command.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "backend/backend_kind.hpp"
#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "cli/gateway_arguments.hpp"
#include "daemon/cpu_list.hpp"
#include "daemon/instance_directory.hpp"
#include "hostcheck/host_check.hpp"
#include "hostcheck/system.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait check-host [--name NAME] [--config FILE] [--xdp | --af-packet]\n"
    "                         [--cpu LIST] [--apply]\n"
    "  Checks that this machine can run the gateway of a configuration as strait\n"
    "  run would, one line per check: ok, warn (it runs, not as well as it could)\n"
    "  or FAIL (it cannot run as configured), each warn and FAIL with its fix. It\n"
    "  checks the configuration (it loads; a file holding keys is its owner's\n"
    "  alone), the kernel (AF_XDP sockets and the bpf() system call, or AF_PACKET),\n"
    "  bpffs on /sys/fs/bpf (AF_XDP), each interface (present, up, its MTU against\n"
    "  mtu, its receive queues: AF_XDP needs exactly the queues the gateway binds,\n"
    "  its offloads: GRO and LRO off for AF_PACKET, LRO off for AF_XDP), the CPUs\n"
    "  to pin (one per queue, online, isolated), locked memory (CAP_IPC_LOCK or\n"
    "  RLIMIT_MEMLOCK, for this process) and that no instance NAME runs.\n"
    "  --name NAME    the gateway NAME: its configuration /etc/strait/NAME.conf\n"
    "                 ($STRAIT_CONFIG_DIR replaces /etc/strait), and the name\n"
    "                 must be free\n"
    "  --config FILE  the configuration file (instead of /etc/strait/NAME.conf)\n"
    "  --xdp          as strait run --xdp (the default)\n"
    "  --af-packet    as strait run --af-packet\n"
    "  --cpu LIST     the CPUs strait run --cpu will pin the workers to\n"
    "  --apply        apply the fixes that are safe to make unasked: receive queues\n"
    "                 (ethtool -L), offloads (ethtool -K), bpffs (mount), links up;\n"
    "                 then check again. Kernel parameters (isolcpus), MTUs and the\n"
    "                 configuration are left to you.\n"
    "  Exit status: 0 when everything the gateway needs holds (warnings allowed),\n"
    "  1 when a check failed, 2 on a usage error.\n";

void print(const hostcheck::Report& report) {
  for (const hostcheck::Finding& finding : report.findings)
    std::printf("%s\n", hostcheck::format(finding).c_str());
  const int fails = report.count(hostcheck::Verdict::kFail);
  const int warns = report.count(hostcheck::Verdict::kWarn);
  if (fails == 0)
    std::printf("check-host: ready (%d warning%s)\n", warns, warns == 1 ? "" : "s");
  else
    std::printf("check-host: %d FAIL, %d warning%s: the gateway cannot run as configured\n", fails,
                warns, warns == 1 ? "" : "s");
}

}  // namespace

std::string_view check_host_usage() {
  return kUsage;
}

int check_host_command(int argc, char** argv) {
  hostcheck::Options options;
  GatewayArguments gateway;
  bool apply = false;
  ArgumentReader reader("strait check-host", kUsage);
  add_gateway_arguments(reader, gateway);
  reader.flag("--apply", apply);
  if (auto done = reader.read(argc, argv)) return *done;
  if (auto chosen = check_backend_choice(gateway); !chosen)
    return reader.usage_error(chosen.error().message);
  options.name = gateway.name;
  options.config_path = gateway.config_path;
  options.cpus = gateway.cpus;
  if (gateway.af_packet) options.backend = backend::BackendKind::kAfPacket;
  if (!options.name.empty()) {
    if (auto checked = daemon::check_instance_name(options.name); !checked)
      return reader.usage_error("--name: " + checked.error().message);
    if (options.config_path.empty()) options.config_path = daemon::config_path_for(options.name);
  }
  if (options.config_path.empty()) return reader.usage_error("give --name NAME or --config FILE");
  options.run_root = daemon::run_root();
  options.user = static_cast<std::uint32_t>(::geteuid());

  hostcheck::KernelSystem system;
  hostcheck::Report report = hostcheck::check_host(options, system);
  print(report);
  if (!apply) return report.passed() ? 0 : 1;
  const std::vector<hostcheck::Applied> applied = hostcheck::apply_fixes(report, system);
  if (applied.empty()) {
    std::printf("check-host: --apply: nothing it may fix\n");
    return report.passed() ? 0 : 1;
  }
  for (const hostcheck::Applied& step : applied) {
    if (step.status)
      std::printf("applied  %s\n", step.fix.c_str());
    else
      std::printf("failed   %s: %s\n", step.fix.c_str(), step.status.error().message.c_str());
  }
  std::printf("check-host: checking again\n");
  report = hostcheck::check_host(options, system);
  print(report);
  return report.passed() ? 0 : 1;
}

}  // namespace strait::cli
