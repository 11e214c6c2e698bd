#include "hostcheck/system.hpp"

#include <linux/bpf.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/descriptor.hpp"

#ifndef AF_XDP
#define AF_XDP 44
#endif

namespace strait::hostcheck {

namespace {

using base::Descriptor;

base::Error system_error(const std::string& what, int error) {
  return base::Error{what + ": " + std::strerror(error), error};
}

// An ethtool request on `ifname` (SIOCETHTOOL over a datagram socket of
// this network namespace).
base::Status ethtool(const std::string& ifname, void* request, const std::string& what) {
  if (ifname.size() >= IFNAMSIZ) return base::Error{"interface name too long: " + ifname};
  const Descriptor fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return system_error("socket", errno);
  ifreq request_block{};
  std::memcpy(request_block.ifr_name, ifname.c_str(), ifname.size() + 1);
  request_block.ifr_data = static_cast<char*>(request);
  if (::ioctl(fd.get(), SIOCETHTOOL, &request_block) != 0)
    return system_error(ifname + ": " + what, errno);
  return base::Ok{};
}

}  // namespace

std::string Channels::ethtool_arguments(std::uint32_t n) const {
  return (max_combined > 0 ? "combined " : "rx ") + std::to_string(n);
}

int KernelSystem::probe_socket(int family) {
  const Descriptor fd(::socket(family, SOCK_RAW | SOCK_CLOEXEC, 0));
  return fd.get() >= 0 ? 0 : errno;
}

int KernelSystem::probe_bpf() {
  bpf_attr attr{};
  attr.map_type = BPF_MAP_TYPE_ARRAY;
  attr.key_size = 4;
  attr.value_size = 4;
  attr.max_entries = 1;
  const Descriptor fd(static_cast<int>(::syscall(__NR_bpf, BPF_MAP_CREATE, &attr, sizeof attr)));
  return fd.get() >= 0 ? 0 : errno;
}

base::Result<Channels> KernelSystem::channels(const std::string& ifname) {
  ethtool_channels request{};
  request.cmd = ETHTOOL_GCHANNELS;
  if (auto done = ethtool(ifname, &request, "ETHTOOL_GCHANNELS"); !done) return done.error();
  return Channels{request.max_rx,   request.max_tx,   request.max_combined,
                  request.rx_count, request.tx_count, request.combined_count};
}

base::Status KernelSystem::set_receive_queues(const std::string& ifname, std::uint32_t n) {
  ethtool_channels request{};
  request.cmd = ETHTOOL_GCHANNELS;
  if (auto done = ethtool(ifname, &request, "ETHTOOL_GCHANNELS"); !done) return done;
  if (request.max_combined > 0)
    request.combined_count = n;
  else
    request.rx_count = n;
  request.cmd = ETHTOOL_SCHANNELS;
  return ethtool(ifname, &request, "ETHTOOL_SCHANNELS");
}

base::Result<Offloads> KernelSystem::offloads(const std::string& ifname) {
  ethtool_value gro{};
  gro.cmd = ETHTOOL_GGRO;
  if (auto done = ethtool(ifname, &gro, "ETHTOOL_GGRO"); !done) return done.error();
  ethtool_value flags{};
  flags.cmd = ETHTOOL_GFLAGS;
  if (auto done = ethtool(ifname, &flags, "ETHTOOL_GFLAGS"); !done) return done.error();
  return Offloads{gro.data != 0, (flags.data & ETH_FLAG_LRO) != 0};
}

base::Status KernelSystem::turn_off(const std::string& ifname, const Offloads& which) {
  if (which.gro) {
    ethtool_value gro{};
    gro.cmd = ETHTOOL_SGRO;
    gro.data = 0;
    if (auto done = ethtool(ifname, &gro, "ETHTOOL_SGRO"); !done) return done;
  }
  if (which.lro) {
    ethtool_value flags{};
    flags.cmd = ETHTOOL_GFLAGS;
    if (auto done = ethtool(ifname, &flags, "ETHTOOL_GFLAGS"); !done) return done;
    flags.cmd = ETHTOOL_SFLAGS;
    flags.data &= ~static_cast<std::uint32_t>(ETH_FLAG_LRO);
    if (auto done = ethtool(ifname, &flags, "ETHTOOL_SFLAGS"); !done) return done;
  }
  return base::Ok{};
}

base::Status KernelSystem::set_up(const std::string& ifname) {
  if (ifname.size() >= IFNAMSIZ) return base::Error{"interface name too long: " + ifname};
  const Descriptor fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return system_error("socket", errno);
  ifreq request{};
  std::memcpy(request.ifr_name, ifname.c_str(), ifname.size() + 1);
  if (::ioctl(fd.get(), SIOCGIFFLAGS, &request) != 0)
    return system_error(ifname + ": SIOCGIFFLAGS", errno);
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (::ioctl(fd.get(), SIOCSIFFLAGS, &request) != 0)
    return system_error(ifname + ": SIOCSIFFLAGS", errno);
  return base::Ok{};
}

base::Status KernelSystem::mount_bpffs(const std::string& path) {
  if (::mount("bpf", path.c_str(), "bpf", 0, "mode=0700") != 0)
    return system_error("mount -t bpf bpf " + path, errno);
  return base::Ok{};
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

std::optional<std::string> first_line(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  if (!std::getline(in, line)) return in.eof() ? std::optional<std::string>("") : std::nullopt;
  return line;
}

}  // namespace strait::hostcheck
