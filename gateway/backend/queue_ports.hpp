#pragma once
// A gateway queue's ports, as `strait run` binds them: its share of the
// private interface and its own public interface, opened as one PortPair
// (Backend::open_queue).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/backend_kind.hpp"
#include "backend/port_pair.hpp"
#include "io/port.hpp"
#include "net/address.hpp"

namespace strait::backend {

// One port of a queue: a kernel interface and, optionally, one of its
// receive queues (numbered from 0, as the kernel does; nullopt: the whole
// interface).
struct PortBinding {
  std::string ifname;
  std::optional<std::uint16_t> device_queue;
  net::Address address;  // the gateway's own address on this interface
  net::Mac mac{};        // the gateway's MAC on it (all zero: the interface's own)
};

struct QueueBinding {
  std::uint16_t queue = 1;  // the configuration's queue id
  PortBinding private_side;
  PortBinding public_side;
  std::uint16_t protocol_port = 303;  // UDP port of the key exchange
  std::uint16_t nat_port = 0;         // NAT traversal's UDP port while a route uses it, else 0
};

// The pair a queue opens with `kind`: the private port takes every frame,
// the public port the gateway's own traffic; pool and rings sized for the
// gateway.
PortPairSpec queue_pair_spec(const QueueBinding& binding, BackendKind kind);

// The ports of one queue and the memory behind them (frame pool, UMEM).
class QueuePorts {
 public:
  explicit QueuePorts(std::unique_ptr<PortPair> ports) : ports_(std::move(ports)) {}

  io::Port& private_port() noexcept { return ports_->first(); }
  io::Port& public_port() noexcept { return ports_->second(); }
  // Descriptors that become readable when a port has packets: an idle
  // worker sleeps on them. Empty: the worker naps a fixed time instead.
  std::vector<int> wait_fds() const { return ports_->wait_fds(); }

 private:
  std::unique_ptr<PortPair> ports_;
};

}  // namespace strait::backend
