#include <sstream>

#include "hostcheck/checks.hpp"

namespace strait::hostcheck {

namespace {

// Whether <proc>/self/mounts has a bpf file system on `path`.
bool bpffs_on(const Roots& roots, const std::string& path) {
  const auto mounts = read_text(roots.proc + "/self/mounts");
  if (!mounts) return false;
  std::istringstream lines(*mounts);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string device, mount_point, type;
    if (fields >> device >> mount_point >> type && mount_point == path && type == "bpf")
      return true;
  }
  return false;
}

}  // namespace

void check_bpffs(const Context& context, std::vector<Finding>& out) {
  if (context.needs.backend != backend::BackendKind::kXdp) return;
  const std::string path = context.roots.sys + "/fs/bpf";
  Finding finding;
  finding.subject = "bpffs";
  if (bpffs_on(context.roots, path)) {
    finding.detail = "mounted on " + path;
  } else {
    // libxdp then attaches the program alone: the gateway runs, but no
    // other XDP program can share its interfaces.
    finding.verdict = Verdict::kWarn;
    finding.detail = "not mounted on " + path +
                     " (libxdp then attaches the XDP program without its dispatcher: no "
                     "other XDP program can share the interfaces)";
    finding.fix = "mount -t bpf bpf " + path;
    finding.remedy = [path](System& host) { return host.mount_bpffs(path); };
    finding.remedy_order = 0;
  }
  out.push_back(std::move(finding));
}

}  // namespace strait::hostcheck
