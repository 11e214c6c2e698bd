#include "control/server.hpp"
#include "daemon/instance_directory.hpp"
#include "hostcheck/checks.hpp"

namespace strait::hostcheck {

void check_instance(const Context& context, std::vector<Finding>& out) {
  if (context.name.empty()) return;
  Finding finding;
  finding.subject = "instance " + context.name;
  const daemon::InstanceStatus status = daemon::probe_instance(context.run_root, context.name);
  if (status.running) {
    finding.verdict = Verdict::kFail;
    finding.detail = "already running (pid " + std::to_string(status.pid) + ", control socket " +
                     control::socket_path(context.run_root, context.name) + ")";
    finding.fix = "stop it first (systemctl stop strait@" + context.name + ", or kill " +
                  std::to_string(status.pid) + "), or give another --name";
  } else {
    finding.detail = "free (no instance of that name runs under " + context.run_root + ")";
  }
  out.push_back(std::move(finding));
}

}  // namespace strait::hostcheck
