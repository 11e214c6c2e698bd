#include "hostcheck/host_check.hpp"

#include <unistd.h>

#include <algorithm>

#include "config/file_access.hpp"
#include "config/load.hpp"
#include "config/schema.hpp"
#include "config/syntax_tree.hpp"
#include "hostcheck/checks.hpp"
#include "hostcheck/needs.hpp"

namespace strait::hostcheck {

namespace {

std::string describe(const HostNeeds& needs, const config::GatewayConfig& config) {
  std::string text = std::to_string(needs.queues) + (needs.queues == 1 ? " queue" : " queues");
  for (const InterfaceNeeds& interface : needs.interfaces)
    text += ", " + interface.ifname + " " + interface.roles;
  return text + ", mtu " + std::to_string(config.mtu) + ", " +
         std::string(backend::backend_name(needs.backend));
}

}  // namespace

Report check_host(const Options& options, System& system) {
  Report report;
  Finding loaded;
  loaded.subject = "config";
  const auto fail = [&](std::string detail, std::string fix) {
    loaded.verdict = Verdict::kFail;
    loaded.detail = std::move(detail);
    loaded.fix = std::move(fix);
    report.findings.push_back(std::move(loaded));
    return report;
  };
  config::FileAccess access;
  auto text = config::read_file(options.config_path, &access);
  if (!text)
    return fail(text.error().message,
                ::access(options.config_path.c_str(), F_OK) == 0
                    ? "run strait check-host as root (or as the file's owner)"
                    : "write the configuration there (chmod 600), or give --config FILE");
  auto document = config::parse_document(*text, options.config_path);
  text = base::SecureString();
  if (!document) return fail(document.error().message, "fix the configuration file");
  auto config = config::apply_schema(*document, options.config_path);
  if (!config) return fail(config.error().message, "fix the configuration file");
  auto needs = needs_of(*config, options.config_path, options.backend, options.cpus);
  if (!needs) return fail(needs.error().message, "fix the configuration file");
  if (config::holds_keys(*document)) {
    if (auto allowed = config::check_key_file_access(options.config_path, access, options.user);
        !allowed) {
      // The message says what to run; strait run refuses the file as it is.
      loaded.verdict = Verdict::kFail;
      loaded.detail = allowed.error().message;
    }
  }
  if (loaded.verdict == Verdict::kOk)
    loaded.detail = options.config_path + ": " + describe(*needs, *config);
  report.findings.push_back(std::move(loaded));

  const Context context{options.roots,       system,       *needs,
                        options.config_path, options.name, options.run_root};
  check_kernel(context, report.findings);
  check_bpffs(context, report.findings);
  check_interfaces(context, report.findings);
  check_cpus(context, report.findings);
  check_locked_memory(context, report.findings);
  check_instance(context, report.findings);
  return report;
}

std::vector<Applied> apply_fixes(const Report& report, System& system) {
  std::vector<const Finding*> todo;
  for (const Finding& finding : report.findings)
    if (finding.verdict != Verdict::kOk && finding.remedy) todo.push_back(&finding);
  std::stable_sort(todo.begin(), todo.end(), [](const Finding* a, const Finding* b) {
    return a->remedy_order < b->remedy_order;
  });
  std::vector<Applied> applied;
  for (const Finding* finding : todo)
    applied.push_back(Applied{finding->fix, finding->remedy(system)});
  return applied;
}

}  // namespace strait::hostcheck
