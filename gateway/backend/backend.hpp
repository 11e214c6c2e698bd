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
  // port ("private interface eth1: ..."), say what the kernel refused and,
  // when the cause is one (with_hint), how to fix it.
  base::Result<std::unique_ptr<PortPair>> open_pair(const PortPairSpec& spec);

  // The two ports of one gateway queue: open_pair() with the private side
  // receiving every frame and the public side the gateway's own traffic.
  base::Result<std::unique_ptr<QueuePorts>> open_queue(const QueueBinding& binding);

 protected:
  virtual base::Result<std::unique_ptr<PortPair>> do_open_pair(const PortPairSpec& spec) = 0;
};

// `error` with how to fix it when its cause (Error::system_error) is one a
// user can act on: no permission (EPERM, EACCES: root or capabilities),
// or, with AF_XDP, a driver or kernel that refused it (try AF_PACKET).
// Other errors come back as they were.
base::Error with_hint(base::Error error, BackendKind kind);

// Fails with an explanation if the backend is not available.
base::Result<std::unique_ptr<Backend>> make_backend(BackendKind kind);

}  // namespace strait::backend
