#pragma once
// What a gateway configuration needs from the machine that runs it: each
// kernel interface with the receive queues the gateway binds and the MTU
// its packets need, the CPUs to pin, the locked memory of its frame pools.
// The interfaces and queues come from daemon::bindings_of, as `strait run`
// binds them.

#include <cstdint>
#include <string>
#include <vector>

#include "backend/backend_kind.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"

namespace strait::hostcheck {

// ESP tunnel overhead on top of an inner packet of the configured mtu:
// the outer IPv4 (20) or IPv6 (40) header, SPI and sequence number (8), IV
// (8), at most 3 bytes of padding, pad length and next header (2), ICV (16).
inline constexpr std::uint32_t kEspOverhead4 = 57;
inline constexpr std::uint32_t kEspOverhead6 = 77;

// Locked memory beyond the frame pools: the secure heap (keys,
// configuration text), a few slabs of 256 KiB.
inline constexpr std::uint64_t kSecureHeapAllowance = 4u << 20;

struct InterfaceNeeds {
  std::string ifname;
  std::string roles;  // "private", "public (queue 1)", ...
  // The gateway binds receive queues 0..receive_queues-1 (AF_XDP: one
  // socket per queue; frames on any other queue would reach the kernel).
  std::uint32_t receive_queues = 1;
  std::uint32_t min_mtu = 0;
  std::string mtu_reason;  // "mtu 1440", "mtu 1440 + 57 bytes of ESP"
  bool is_private = false;
};

struct HostNeeds {
  backend::BackendKind backend = backend::BackendKind::kXdp;
  std::size_t queues = 0;
  std::vector<InterfaceNeeds> interfaces;  // each ifname once, in configuration order
  std::vector<int> cpus;                   // --cpu, in queue order; empty: not pinned
  std::uint64_t locked_bytes = 0;          // frame pools (AF_XDP UMEM) and secure heap
};

base::Result<HostNeeds> needs_of(const config::GatewayConfig& config,
                                 const std::string& config_path, backend::BackendKind backend,
                                 std::vector<int> cpus);

}  // namespace strait::hostcheck
