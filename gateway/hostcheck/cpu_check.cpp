#include <algorithm>
#include <charconv>

#include "hostcheck/checks.hpp"

namespace strait::hostcheck {

std::string cpu_list_text(std::vector<int> cpus) {
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1)
      ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += (j == i + 1 ? "," : "-") + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

std::optional<std::vector<int>> parse_kernel_cpu_list(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  std::vector<int> cpus;
  if (text.empty()) return cpus;
  const auto number = [](std::string_view digits, int& out) {
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return error == std::errc() && end == digits.data() + digits.size() && out >= 0 && out < 65536;
  };
  while (true) {
    const std::size_t comma = std::min(text.find(','), text.size());
    const std::string_view item = text.substr(0, comma);
    const std::size_t dash = item.find('-');
    int first = 0;
    int last = 0;
    if (dash == std::string_view::npos) {
      if (!number(item, first)) return std::nullopt;
      last = first;
    } else if (!number(item.substr(0, dash), first) || !number(item.substr(dash + 1), last) ||
               last < first) {
      return std::nullopt;
    }
    for (int cpu = first; cpu <= last; ++cpu)
      cpus.push_back(cpu);
    if (comma == text.size()) break;
    text.remove_prefix(comma + 1);
  }
  return cpus;
}

void check_cpus(const Context& context, std::vector<Finding>& out) {
  const std::vector<int>& cpus = context.needs.cpus;
  Finding finding;
  finding.subject = "cpus";
  if (cpus.empty()) {
    finding.detail = "workers not pinned (no --cpu)";
    out.push_back(std::move(finding));
    return;
  }
  const std::string listed = cpu_list_text(cpus);
  if (cpus.size() < context.needs.queues) {
    finding.verdict = Verdict::kFail;
    finding.detail = "--cpu " + listed + " lists " + std::to_string(cpus.size()) + " CPU(s) for " +
                     std::to_string(context.needs.queues) + " queues";
    finding.fix = "give one CPU per queue (--cpu)";
    out.push_back(std::move(finding));
    return;
  }
  const std::string cpu_dir = context.roots.sys + "/devices/system/cpu";
  const auto online_text = first_line(cpu_dir + "/online");
  const auto online = online_text ? parse_kernel_cpu_list(*online_text) : std::nullopt;
  if (!online) {
    finding.verdict = Verdict::kWarn;
    finding.detail = "cannot read the online CPUs in " + cpu_dir + "/online";
    out.push_back(std::move(finding));
    return;
  }
  std::vector<int> missing;
  for (int cpu : cpus)
    if (std::find(online->begin(), online->end(), cpu) == online->end()) missing.push_back(cpu);
  if (!missing.empty()) {
    finding.verdict = Verdict::kFail;
    finding.detail = "CPU " + cpu_list_text(missing) +
                     " not online here (online: " + cpu_list_text(*online) + ")";
    finding.fix = "pin the workers to online CPUs (--cpu), or bring CPU " + cpu_list_text(missing) +
                  " online";
    out.push_back(std::move(finding));
    return;
  }
  const auto isolated_text = first_line(cpu_dir + "/isolated");
  const auto isolated = isolated_text ? parse_kernel_cpu_list(*isolated_text) : std::nullopt;
  std::vector<int> shared;
  for (int cpu : cpus)
    if (!isolated || std::find(isolated->begin(), isolated->end(), cpu) == isolated->end())
      shared.push_back(cpu);
  if (!shared.empty()) {
    // The gateway runs; the scheduler puts other tasks on its CPUs.
    finding.verdict = Verdict::kWarn;
    finding.detail = listed + " online, but " + cpu_list_text(shared) +
                     " not isolated: the scheduler runs other tasks there too";
    finding.fix = "boot with isolcpus=" + cpu_list_text(cpus) + " nohz_full=" + listed +
                  " rcu_nocbs=" + listed + " (NixOS: boot.kernelParams), as the seed does";
  } else {
    finding.detail = listed + " online and isolated";
  }
  out.push_back(std::move(finding));
}

}  // namespace strait::hostcheck
