#pragma once
// The XSK redirect program (xsk_redirect.bpf.c, embedded in this library)
// attached to one interface, behind a small libxdp adapter. One program per
// interface serves every queue: XskPort binds its socket into the program's
// xsks map at its queue index. Attaching first removes a program of ours
// left on the interface by an instance that was killed before it could
// detach (found by program name); the destructor detaches.
//
// libxdp attaches through its multi-program dispatcher when a bpffs is
// mounted (/sys/fs/bpf) and falls back to attaching the program alone
// otherwise (e.g. under `ip netns exec`, which has no bpffs).

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "net/address.hpp"

struct bpf_object;
struct xdp_program;

namespace strait::xdp {

// kAuto: native (driver) mode, falling back to generic (skb) mode.
enum class Mode { kAuto, kNative, kGeneric };

// What the program hands to the sockets.
struct FilterConfig {
  // false (private side): every frame. true (public side): only the
  // gateway's own traffic to `addresses` (ESP, UDP to udp_port, ICMP,
  // ICMPv6 incl. neighbour solicitations, ARP); the rest goes to the kernel.
  bool public_side = false;
  std::vector<net::Address> addresses;  // at most 4 of each family
  std::uint16_t udp_port = 0;           // host byte order; 0: no UDP
  std::uint16_t nat_udp_port = 0;       // NAT traversal's port, host byte order; 0: none
  bool operator==(const FilterConfig&) const = default;
};

class XdpProgram {
 public:
  // The kernel's name of the program (its function name in the object).
  static constexpr const char* kName = "strait_xsk";

  // Loads the program, configures it and attaches it to `ifindex`.
  static base::Result<std::unique_ptr<XdpProgram>> attach(int ifindex, const FilterConfig& config,
                                                          Mode mode);
  // The program of `ifindex` shared by every port of this process on that
  // interface: attached by the first, detached when the last lets go. A
  // later caller must ask for the same configuration (a mode of kAuto
  // accepts whatever mode is attached).
  static base::Result<std::shared_ptr<XdpProgram>> acquire(int ifindex, const FilterConfig& config,
                                                           Mode mode);
  // Detaches every program named kName from `ifindex`; returns how many.
  static base::Result<int> remove_stale(int ifindex);

  ~XdpProgram();
  XdpProgram(const XdpProgram&) = delete;
  XdpProgram& operator=(const XdpProgram&) = delete;

  int ifindex() const { return ifindex_; }
  // kNative or kGeneric: the mode it is attached in.
  Mode mode() const { return mode_; }
  const FilterConfig& config() const { return config_; }
  std::uint32_t id() const;
  // Whether libxdp attached it as a component of its dispatcher (a bpffs
  // was available) rather than alone.
  bool dispatched() const { return dispatched_; }
  // The XSKMAP (key: queue index, value: socket).
  int xsks_map_fd() const { return xsks_fd_; }

 private:
  XdpProgram(bpf_object* object, xdp_program* program, int ifindex, Mode mode, FilterConfig config,
             int xsks_fd)
      : object_(object),
        program_(program),
        ifindex_(ifindex),
        mode_(mode),
        config_(std::move(config)),
        xsks_fd_(xsks_fd) {}

  bpf_object* object_;
  xdp_program* program_;
  int ifindex_;
  Mode mode_;
  FilterConfig config_;
  int xsks_fd_;
  bool dispatched_ = false;
};

}  // namespace strait::xdp
