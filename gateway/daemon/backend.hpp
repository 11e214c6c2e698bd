#pragma once
// The kernel I/O backends of `strait run`. A Backend opens the two ports of
// one queue (the private interface's share and the queue's own public
// interface) over memory it owns; workers only ever see io::Port, so they
// never know whether AF_XDP or AF_PACKET carries their packets.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "io/port.hpp"
#include "net/address.hpp"

namespace strait::daemon {

enum class BackendKind { kXdp, kAfPacket };

// One port of a queue: a kernel interface and, optionally, one of its
// receive queues (numbered from 0, as the kernel does; nullopt: the whole
// interface).
struct PortBinding {
  std::string ifname;
  std::optional<std::uint16_t> device_queue;
  net::Address address;  // the gateway's own address on this interface
};

struct QueueBinding {
  std::uint16_t queue = 1;  // the configuration's queue id
  PortBinding private_side;
  PortBinding public_side;
  std::uint16_t protocol_port = 303;  // UDP port of the key exchange
};

// The ports of one queue and the memory behind them (frame pool, UMEM).
// Destroying it closes the ports (detaching XDP programs) before the memory
// goes away.
class QueuePorts {
 public:
  virtual ~QueuePorts() = default;
  virtual io::Port& private_port() noexcept = 0;
  virtual io::Port& public_port() noexcept = 0;
  // Descriptors that become readable when a port has packets: an idle
  // worker sleeps on them. Empty: the worker naps a fixed time instead.
  virtual std::vector<int> wait_fds() const = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const noexcept = 0;
  // Errors say what is wrong with the interface or the permissions.
  virtual base::Result<std::unique_ptr<QueuePorts>> open_queue(const QueueBinding& binding) = 0;
};

// Whether this build of strait has the backend (it needs its library at
// build time).
bool backend_available(BackendKind kind) noexcept;
std::string_view backend_name(BackendKind kind) noexcept;
// Fails with an explanation if the backend is not available.
base::Result<std::unique_ptr<Backend>> make_backend(BackendKind kind);

}  // namespace strait::daemon
