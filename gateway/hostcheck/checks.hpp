#pragma once
// The checks of `strait check-host`, one per concern, each adding its
// findings to a report. They read files under Context::roots and ask
// Context::system the rest (system.hpp), so tests run them on a fake tree.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hostcheck/finding.hpp"
#include "hostcheck/needs.hpp"
#include "hostcheck/system.hpp"

namespace strait::hostcheck {

struct Context {
  const Roots& roots;
  System& system;
  const HostNeeds& needs;
  std::string config_path;
  std::string name;      // the instance; empty: not checked
  std::string run_root;  // where instances live (/run/strait)
};

// AF_XDP sockets and the bpf() system call (AF_XDP), or AF_PACKET sockets;
// probed, and read from /boot/config-RELEASE when a probe cannot tell.
void check_kernel(const Context& context, std::vector<Finding>& out);
// bpffs on /sys/fs/bpf (AF_XDP: libxdp's dispatcher pins its programs there).
void check_bpffs(const Context& context, std::vector<Finding>& out);
// Each interface: present, up, its MTU, its receive queues, its offloads.
void check_interfaces(const Context& context, std::vector<Finding>& out);
// The CPUs to pin: one per queue, online, isolated.
void check_cpus(const Context& context, std::vector<Finding>& out);
// Locked memory for the frame pools: CAP_IPC_LOCK or RLIMIT_MEMLOCK.
void check_locked_memory(const Context& context, std::vector<Finding>& out);
// No running instance of the same name.
void check_instance(const Context& context, std::vector<Finding>& out);

// "2,3", "0-3,8": CPUs as a kernel list (sorted, ranges folded).
std::string cpu_list_text(std::vector<int> cpus);
// A kernel CPU list ("0-3,8-11", "" for none); nullopt if malformed.
std::optional<std::vector<int>> parse_kernel_cpu_list(std::string_view text);

}  // namespace strait::hostcheck
