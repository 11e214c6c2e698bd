#include "daemon/cpu_list.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace strait::daemon {

namespace {

constexpr int kMaxCpu = 4095;

bool parse_number(std::string_view text, int& out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0 && out <= kMaxCpu;
}

// /sys/devices/system/cpu/online as it reads ("0-3"), or "unknown".
std::string online_cpus() {
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string line;
  if (!std::getline(in, line) || line.empty()) return "unknown";
  return line;
}

std::string allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return "unknown";
  std::string out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set))
      ++last;
    if (!out.empty()) out += ',';
    out += std::to_string(cpu);
    if (last > cpu) out += '-' + std::to_string(last);
    cpu = last;
  }
  return out;
}

}  // namespace

base::Result<std::vector<int>> parse_cpu_list(std::string_view text) {
  std::vector<int> cpus;
  const auto bad = [&](std::string_view why) {
    return base::Error{"bad CPU list '" + std::string(text) + "': " + std::string(why) +
                       " (expected e.g. 2,3 or 2-3)"};
  };
  if (text.empty()) return bad("empty");
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view item = text.substr(start, comma - start);
    const std::size_t dash = item.find('-');
    int first = 0;
    int last = 0;
    if (dash == std::string_view::npos) {
      if (!parse_number(item, first)) return bad("'" + std::string(item) + "' is not a CPU number");
      last = first;
    } else {
      if (!parse_number(item.substr(0, dash), first) || !parse_number(item.substr(dash + 1), last))
        return bad("'" + std::string(item) + "' is not a CPU range");
      if (last < first) return bad("range '" + std::string(item) + "' goes down");
    }
    for (int cpu = first; cpu <= last; ++cpu) {
      if (std::find(cpus.begin(), cpus.end(), cpu) != cpus.end())
        return bad("CPU " + std::to_string(cpu) + " is listed twice");
      cpus.push_back(cpu);
    }
    start = comma + 1;
  }
  return cpus;
}

base::Status check_cpus_allowed(const std::vector<int>& cpus) {
  // Tried, on a thread of its own: the CPUs a thread may be pinned to are
  // those its cpuset has online, not the process's current affinity. With
  // isolcpus= every process starts outside the isolated CPUs (it inherits
  // init's affinity), and those are precisely the CPUs to pin workers to.
  std::optional<int> refused;
  int error = 0;
  std::thread probe([&] {
    for (int cpu : cpus) {
      if (cpu < 0 || cpu >= CPU_SETSIZE) {
        refused = cpu;
        error = EINVAL;
        return;
      }
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      if (const int e = pthread_setaffinity_np(pthread_self(), sizeof set, &set); e != 0) {
        refused = cpu;
        error = e;
        return;
      }
    }
  });
  probe.join();
  if (!refused) return base::Ok{};
  return base::Error{"CPU " + std::to_string(*refused) + " is not available to this process (" +
                         std::strerror(error) + "; online: " + online_cpus() +
                         ", this process's affinity: " + allowed_cpus() + ")",
                     error};
}

}  // namespace strait::daemon
