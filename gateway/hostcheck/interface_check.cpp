#include <net/if.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "hostcheck/checks.hpp"

namespace strait::hostcheck {

namespace {

std::optional<std::uint64_t> number_in(const std::string& path, int base) {
  auto line = first_line(path);
  if (!line) return std::nullopt;
  std::string_view text = *line;
  if (base == 16 && text.starts_with("0x")) text.remove_prefix(2);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Receive queues as sysfs shows them (queues/rx-N), for a driver without
// ethtool channels.
std::uint32_t sysfs_receive_queues(const std::string& directory) {
  std::error_code error;
  std::uint32_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(directory + "/queues", error))
    if (entry.path().filename().string().starts_with("rx-")) ++n;
  return n;
}

std::string queues_text(std::uint32_t n) {
  return std::to_string(n) + (n == 1 ? " receive queue" : " receive queues");
}

void check_link(const InterfaceNeeds& interface, const std::string& directory,
                std::vector<Finding>& out) {
  Finding finding;
  finding.subject = interface.ifname;
  const auto flags = number_in(directory + "/flags", 16);
  if (!flags) {
    finding.verdict = Verdict::kWarn;
    finding.detail = "cannot read " + directory + "/flags";
  } else if ((*flags & IFF_UP) == 0) {
    finding.verdict = Verdict::kFail;
    finding.detail = "down";
    finding.fix = "ip link set " + interface.ifname + " up";
    const std::string ifname = interface.ifname;
    finding.remedy = [ifname](System& host) { return host.set_up(ifname); };
    finding.remedy_order = 3;
  } else if (number_in(directory + "/carrier", 10) == std::optional<std::uint64_t>(0)) {
    finding.verdict = Verdict::kWarn;
    finding.detail = "up, but no carrier (no link to the network, or the peer is down)";
    finding.fix = "check the cable, the peer or the ENI attachment";
  } else {
    finding.detail = "up";
  }
  out.push_back(std::move(finding));
}

void check_mtu(const Context& context, const InterfaceNeeds& interface,
               const std::string& directory, std::vector<Finding>& out) {
  Finding finding;
  finding.subject = interface.ifname;
  const auto mtu = number_in(directory + "/mtu", 10);
  if (!mtu) {
    finding.verdict = Verdict::kWarn;
    finding.detail = "cannot read " + directory + "/mtu";
  } else if (*mtu < interface.min_mtu) {
    finding.verdict = Verdict::kFail;
    finding.detail = "MTU " + std::to_string(*mtu) + ", below the " +
                     std::to_string(interface.min_mtu) + " bytes the " + interface.roles +
                     " side needs (" + interface.mtu_reason + ")";
    finding.fix = "ip link set " + interface.ifname + " mtu " + std::to_string(interface.min_mtu) +
                  ", or a smaller mtu in " + context.config_path;
  } else {
    finding.detail = "MTU " + std::to_string(*mtu) + " (needs " +
                     std::to_string(interface.min_mtu) + ": " + interface.mtu_reason + ")";
  }
  out.push_back(std::move(finding));
}

void check_queues(const Context& context, const InterfaceNeeds& interface,
                  const std::string& directory, std::vector<Finding>& out) {
  Finding finding;
  finding.subject = interface.ifname;
  const std::string& ifname = interface.ifname;
  const std::uint32_t needed = interface.receive_queues;
  auto channels = context.system.channels(ifname);
  const std::uint32_t have = channels ? channels->receive() : sysfs_receive_queues(directory);
  if (context.needs.backend != backend::BackendKind::kXdp) {
    finding.detail = queues_text(have) + " (any number serves AF_PACKET)";
    out.push_back(std::move(finding));
    return;
  }
  const std::string bound =
      needed == 1 ? "receive queue 0" : "receive queues 0-" + std::to_string(needed - 1);
  if (have == needed) {
    finding.detail = queues_text(have) + ", as AF_XDP needs (the gateway binds " + bound + ")";
    out.push_back(std::move(finding));
    return;
  }
  finding.verdict = Verdict::kFail;
  finding.detail = queues_text(have) + ", AF_XDP needs exactly " + std::to_string(needed) +
                   " (the gateway binds " + bound + "; " +
                   (have < needed ? "the others are missing"
                                  : "frames the device steers to the others would reach the "
                                    "kernel, not the gateway") +
                   ")";
  if (!channels) {
    finding.fix = "the driver does not change its queues (" + channels.error().message +
                  "): give the interface " + std::to_string(needed) +
                  " receive queue(s) another way, or run with --af-packet";
  } else if (needed > channels->max_receive()) {
    finding.fix = "the device takes at most " + std::to_string(channels->max_receive()) +
                  ": use fewer queues in " + context.config_path + " (or a larger instance type)";
  } else {
    finding.fix = "ethtool -L " + ifname + " " + channels->ethtool_arguments(needed);
    finding.remedy = [ifname, needed](System& host) {
      return host.set_receive_queues(ifname, needed);
    };
    finding.remedy_order = 1;
  }
  out.push_back(std::move(finding));
}

void check_offloads(const Context& context, const InterfaceNeeds& interface,
                    std::vector<Finding>& out) {
  Finding finding;
  finding.subject = interface.ifname;
  const std::string& ifname = interface.ifname;
  auto offloads = context.system.offloads(ifname);
  if (!offloads) {
    if (offloads.error().system_error == EOPNOTSUPP) return;  // none to turn off
    finding.verdict = Verdict::kWarn;
    finding.detail = "cannot read its offloads: " + offloads.error().message;
    out.push_back(std::move(finding));
    return;
  }
  // AF_PACKET hands the gateway what the kernel made of the frames: GRO or
  // LRO merge TCP segments into frames beyond the MTU, which it drops.
  // With AF_XDP the program sees frames before GRO; LRO must be off.
  const bool af_packet = context.needs.backend == backend::BackendKind::kAfPacket;
  Offloads on;
  on.gro = af_packet && offloads->gro;
  on.lro = offloads->lro;
  if (!on.gro && !on.lro) {
    finding.detail = af_packet ? "GRO and LRO off" : "LRO off";
    out.push_back(std::move(finding));
    return;
  }
  const std::string which = on.gro && on.lro ? "GRO and LRO" : on.gro ? "GRO" : "LRO";
  finding.verdict = Verdict::kFail;
  finding.detail = which + " on: received TCP segments are merged into frames larger than the " +
                   "MTU, which the gateway drops";
  finding.fix = "ethtool -K " + ifname + (on.gro ? " gro off" : "") + (on.lro ? " lro off" : "");
  finding.remedy = [ifname, on](System& host) { return host.turn_off(ifname, on); };
  finding.remedy_order = 2;
  out.push_back(std::move(finding));
}

}  // namespace

void check_interfaces(const Context& context, std::vector<Finding>& out) {
  for (const InterfaceNeeds& interface : context.needs.interfaces) {
    const std::string directory = context.roots.sys + "/class/net/" + interface.ifname;
    struct stat info {};
    if (::stat(directory.c_str(), &info) != 0) {
      Finding finding;
      finding.verdict = Verdict::kFail;
      finding.subject = interface.ifname;
      finding.detail = "no such interface in this network namespace (the " + interface.roles +
                       " interface of " + context.config_path + ")";
      finding.fix = "check `ip link` (renamed? in another namespace?), or fix ifname in " +
                    context.config_path;
      out.push_back(std::move(finding));
      continue;
    }
    check_link(interface, directory, out);
    check_mtu(context, interface, directory, out);
    check_queues(context, interface, directory, out);
    check_offloads(context, interface, out);
  }
}

}  // namespace strait::hostcheck
