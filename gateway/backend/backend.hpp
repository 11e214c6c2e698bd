#pragma once
// The kernel I/O backends: AF_XDP and AF_PACKET. One factory for every
// program that opens kernel ports: make_backend(kind) gives a Backend,
// whose open_pair() opens two ports over one frame pool (port_pair.hpp);
// open_queue() is that pair as a gateway queue sees it (queue_ports.hpp).
// Workers and the WAN emulator only ever see io::Port, so they never know
// whether AF_XDP or AF_PACKET carries their packets.

#include <memory>
#include <string_view>

#include "backend/backend_kind.hpp"
#include "backend/port_pair.hpp"
#include "backend/queue_ports.hpp"
#include "base/result.hpp"

namespace strait::backend {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const noexcept = 0;
  std::string_view name() const noexcept { return backend_name(kind()); }

  // Opens both ports of `spec` over one new frame pool. Errors name the
  // port ("private interface eth1: ...") and say what the kernel refused.
  virtual base::Result<std::unique_ptr<PortPair>> open_pair(const PortPairSpec& spec) = 0;

  // The two ports of one gateway queue: open_pair() with the private side
  // receiving every frame and the public side the gateway's own traffic.
  base::Result<std::unique_ptr<QueuePorts>> open_queue(const QueueBinding& binding);
};

// Fails with an explanation if the backend is not available.
base::Result<std::unique_ptr<Backend>> make_backend(BackendKind kind);

}  // namespace strait::backend
