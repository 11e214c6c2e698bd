#pragma once
// What `strait check-host` reads from the machine and changes on it. Files
// (/proc, /sys, /boot) are read under Roots, so that tests run the checks
// against a fake tree; what files cannot tell (may this process open an
// AF_XDP socket? the ethtool channel counts and offloads) and every change
// --apply makes go through System, which tests replace. KernelSystem is
// the running kernel's: socket(2), bpf(2), the SIOCETHTOOL and
// SIOCGIFFLAGS / SIOCSIFFLAGS ioctls in this network namespace, mount(2).

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace strait::hostcheck {

struct Roots {
  std::string proc = "/proc";
  std::string sys = "/sys";
  std::string boot = "/boot";
};

// ETHTOOL_GCHANNELS: a device's queue pairs ("combined") and lone receive
// and transmit queues, the current counts and the most it takes.
struct Channels {
  std::uint32_t max_rx = 0;
  std::uint32_t max_tx = 0;
  std::uint32_t max_combined = 0;
  std::uint32_t rx = 0;
  std::uint32_t tx = 0;
  std::uint32_t combined = 0;
  // Receive queues: combined ones and lone receive ones.
  std::uint32_t receive() const { return rx + combined; }
  std::uint32_t max_receive() const { return max_rx + max_combined; }
  // How ethtool -L sets n receive queues on this device: "combined n" when
  // it has combined channels, else "rx n".
  std::string ethtool_arguments(std::uint32_t n) const;
};

struct Offloads {
  bool gro = false;  // generic receive offload
  bool lro = false;  // large receive offload
};

class System {
 public:
  virtual ~System() = default;
  // 0 when a socket of `family` (AF_XDP, AF_PACKET) opens, else the errno.
  virtual int probe_socket(int family) = 0;
  // 0 when bpf(BPF_MAP_CREATE) makes a small array map, else the errno.
  virtual int probe_bpf() = 0;
  virtual base::Result<Channels> channels(const std::string& ifname) = 0;
  // n receive queues: combined channels when the device has them, else rx.
  virtual base::Status set_receive_queues(const std::string& ifname, std::uint32_t n) = 0;
  virtual base::Result<Offloads> offloads(const std::string& ifname) = 0;
  // Turns off those of `which` that are set.
  virtual base::Status turn_off(const std::string& ifname, const Offloads& which) = 0;
  virtual base::Status set_up(const std::string& ifname) = 0;
  virtual base::Status mount_bpffs(const std::string& path) = 0;
};

class KernelSystem final : public System {
 public:
  int probe_socket(int family) override;
  int probe_bpf() override;
  base::Result<Channels> channels(const std::string& ifname) override;
  base::Status set_receive_queues(const std::string& ifname, std::uint32_t n) override;
  base::Result<Offloads> offloads(const std::string& ifname) override;
  base::Status turn_off(const std::string& ifname, const Offloads& which) override;
  base::Status set_up(const std::string& ifname) override;
  base::Status mount_bpffs(const std::string& path) override;
};

// A file's text (nullopt when it cannot be read), and its first line.
std::optional<std::string> read_text(const std::string& path);
std::optional<std::string> first_line(const std::string& path);

}  // namespace strait::hostcheck
