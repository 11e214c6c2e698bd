#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <sstream>

#include "hostcheck/checks.hpp"

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace strait::hostcheck {

namespace {

// What /boot/config-RELEASE says of OPTION: "y", "m", "n" (is not set), or
// nullopt when there is no such file or it does not mention the option.
struct KernelConfig {
  std::string path;
  std::optional<std::string> text;

  std::optional<std::string> value(const std::string& option) const {
    if (!text) return std::nullopt;
    std::istringstream lines(*text);
    for (std::string line; std::getline(lines, line);) {
      if (line == "# " + option + " is not set") return "n";
      if (line.starts_with(option + "=")) return line.substr(option.size() + 1);
    }
    return std::nullopt;
  }
};

// One facility: probed (0 or an errno), the kernel option behind it.
void judge(const KernelConfig& kernel, int probe, const std::string& facility,
           const std::string& option, int missing_errno, const std::string& fix_missing,
           std::vector<Finding>& out) {
  Finding finding;
  finding.subject = "kernel";
  const std::optional<std::string> configured = kernel.value(option);
  if (probe == 0) {
    finding.detail = facility;
  } else if (probe == missing_errno || (configured && *configured == "n")) {
    finding.verdict = Verdict::kFail;
    finding.detail = "no " + facility + " in this kernel (" + option +
                     (configured ? "=" + *configured + " in " + kernel.path : "") + ")";
    finding.fix = fix_missing;
  } else if ((probe == EPERM || probe == EACCES) && configured &&
             (*configured == "y" || *configured == "m")) {
    finding.detail = facility + " (" + option + "=" + *configured + " in " + kernel.path +
                     "; not probed: no privilege)";
  } else {
    finding.verdict = Verdict::kWarn;
    finding.detail = facility + ": cannot tell (" + std::strerror(probe) + ")";
    finding.fix = probe == EPERM || probe == EACCES
                      ? "run strait check-host as root"
                      : "check " + option + " in the kernel's configuration";
  }
  out.push_back(std::move(finding));
}

}  // namespace

void check_kernel(const Context& context, std::vector<Finding>& out) {
  KernelConfig kernel;
  if (const auto release = first_line(context.roots.proc + "/sys/kernel/osrelease")) {
    kernel.path = context.roots.boot + "/config-" + *release;
    kernel.text = read_text(kernel.path);
  }
  if (context.needs.backend == backend::BackendKind::kXdp) {
    judge(kernel, context.system.probe_socket(AF_XDP), "AF_XDP sockets", "CONFIG_XDP_SOCKETS",
          EAFNOSUPPORT,
          "boot a kernel built with CONFIG_XDP_SOCKETS=y (NixOS: boot.kernelPackages with "
          "XDP_SOCKETS y, as the seed does), or run the gateway with --af-packet",
          out);
    judge(kernel, context.system.probe_bpf(), "bpf() system call", "CONFIG_BPF_SYSCALL", ENOSYS,
          "boot a kernel built with CONFIG_BPF_SYSCALL=y, or run the gateway with --af-packet",
          out);
  } else {
    judge(kernel, context.system.probe_socket(AF_PACKET), "AF_PACKET sockets", "CONFIG_PACKET",
          EAFNOSUPPORT, "boot a kernel built with CONFIG_PACKET", out);
  }
}

}  // namespace strait::hostcheck
