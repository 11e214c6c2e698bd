#include <charconv>
#include <cstdint>
#include <sstream>

#include "hostcheck/checks.hpp"

namespace strait::hostcheck {

namespace {

constexpr int kCapIpcLock = 14;

std::string mebibytes(std::uint64_t bytes) {
  return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

// CapEff of <proc>/self/status has CAP_IPC_LOCK.
bool has_ipc_lock(const Roots& roots) {
  const auto status = read_text(roots.proc + "/self/status");
  if (!status) return false;
  std::istringstream lines(*status);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("CapEff:")) continue;
    std::uint64_t caps = 0;
    std::istringstream(line.substr(7)) >> std::hex >> caps;
    return ((caps >> kCapIpcLock) & 1u) != 0;
  }
  return false;
}

// The soft RLIMIT_MEMLOCK of <proc>/self/limits: bytes, UINT64_MAX for
// "unlimited", nullopt when not found.
std::optional<std::uint64_t> memlock_limit(const Roots& roots) {
  const auto limits = read_text(roots.proc + "/self/limits");
  if (!limits) return std::nullopt;
  std::istringstream lines(*limits);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("Max locked memory")) continue;
    std::istringstream fields(line.substr(17));
    std::string soft;
    if (!(fields >> soft)) return std::nullopt;
    if (soft == "unlimited") return UINT64_MAX;
    std::uint64_t bytes = 0;
    const auto [end, error] = std::from_chars(soft.data(), soft.data() + soft.size(), bytes);
    if (error != std::errc() || end != soft.data() + soft.size()) return std::nullopt;
    return bytes;
  }
  return std::nullopt;
}

}  // namespace

void check_locked_memory(const Context& context, std::vector<Finding>& out) {
  const bool xdp = context.needs.backend == backend::BackendKind::kXdp;
  const std::string needed =
      mebibytes(context.needs.locked_bytes) + " needed" +
      (xdp ? " (the AF_XDP frame pools of " + std::to_string(context.needs.queues) +
                 " queue(s) and the keys)"
           : " (the keys)");
  Finding finding;
  finding.subject = "locked memory";
  if (has_ipc_lock(context.roots)) {
    finding.detail = "CAP_IPC_LOCK: no limit; " + needed;
    out.push_back(std::move(finding));
    return;
  }
  const auto limit = memlock_limit(context.roots);
  const std::string fix =
      "run the gateway as root or with CAP_IPC_LOCK (the strait@ unit gives it), or raise the "
      "limit (LimitMEMLOCK=infinity in the unit, ulimit -l unlimited)";
  if (!limit) {
    finding.verdict = Verdict::kWarn;
    finding.detail = "cannot read this process's limit in " + context.roots.proc + "/self/limits";
    finding.fix = fix;
  } else if (*limit >= context.needs.locked_bytes) {
    finding.detail =
        (*limit == UINT64_MAX ? std::string("no limit") : "limit " + mebibytes(*limit)) + "; " +
        needed;
  } else {
    // AF_XDP refuses a frame pool beyond the limit; sodium_malloc only
    // fails to lock (the keys could then be swapped out).
    finding.verdict = xdp ? Verdict::kFail : Verdict::kWarn;
    finding.detail = "limit " + mebibytes(*limit) + " (this process, without CAP_IPC_LOCK), " +
                     needed + (xdp ? "" : ": the keys could be swapped out");
    finding.fix = fix;
  }
  out.push_back(std::move(finding));
}

}  // namespace strait::hostcheck
