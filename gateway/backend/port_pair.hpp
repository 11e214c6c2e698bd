#pragma once
// Two kernel ports over one frame pool: the shape of every program that
// opens kernel ports. `strait run` opens one pair per queue (its private
// and its public port), `strait wan` one for the emulated link (its A and
// B port). A frame received on one port is sent out of the other from the
// same frame: with AF_XDP the pool is the UMEM both sockets share; with
// AF_PACKET the sockets copy between their rings and the pool.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "io/port.hpp"
#include "net/address.hpp"

namespace strait::backend {

// Which received frames reach a port. AF_PACKET sockets receive every frame
// the interface takes (PortSpec::promiscuous, PortSpec::multicast); with
// AF_XDP the XDP program decides among those.
enum class Traffic {
  kAll,  // every frame (the gateway's private side, both ports of strait wan)
  kOwn,  // only the gateway's own (to own_addresses: ESP, the key exchange on
         // protocol_port, ARP, ND, ICMP); the rest goes on to the kernel
};

// One port of a pair: a kernel interface and, optionally, one of its
// receive queues.
struct PortSpec {
  std::string role;  // how messages name the port: "private", "A", ...
  std::string ifname;
  // Numbered from 0, as the kernel does; nullopt: the whole interface
  // (AF_XDP: queue 0).
  std::optional<std::uint16_t> device_queue;
  Traffic traffic = Traffic::kAll;
  std::vector<net::Address> own_addresses;  // for Traffic::kOwn
  std::uint16_t protocol_port = 0;          // for Traffic::kOwn: UDP port of the key exchange
  std::uint16_t nat_port = 0;               // for Traffic::kOwn: NAT traversal's UDP port (0: none)
  // What the interface takes from the wire beyond its own MAC and broadcast
  // (link_memberships.hpp): every frame (strait wan), or the gateway's MAC
  // when it is not the interface's (all zero: none), and these multicast
  // groups (a gateway port: net::listened_groups of its address).
  bool promiscuous = false;
  net::Mac unicast{};
  std::vector<net::Mac> multicast;
};

struct PortPairSpec {
  PortSpec first;
  PortSpec second;
  // The pool: frames of frame_size bytes (2048 or 4096: AF_XDP's aligned
  // chunks), frame_count of them for every ring of both ports and every
  // frame the program holds or has in flight.
  std::size_t frame_size = 4096;
  std::size_t frame_count = 8192;
  // Slots per ring and port: AF_XDP's fill, completion, RX and TX rings,
  // AF_PACKET's RX and TX rings. AF_XDP needs a power of two.
  std::uint32_t ring_size = 1024;
};

// The two open ports and the memory behind them. Destroying it closes the
// ports (detaching XDP programs) before the memory goes away.
class PortPair {
 public:
  virtual ~PortPair() = default;
  virtual io::Port& first() noexcept = 0;
  virtual io::Port& second() noexcept = 0;
  // Descriptors that become readable when a port has received frames: an
  // idle poller sleeps on them.
  virtual std::vector<int> wait_fds() const = 0;
  // The backend and how the kernel carries each port's frames, for a start
  // line: "AF_PACKET", "AF_XDP (A native zero-copy, B generic copy)".
  virtual std::string description() const = 0;
};

// Opens the two ports of `spec`, first then second, with
// `open_port(const PortSpec&)` (a base::Result<std::unique_ptr<P>>), into
// `first` and `second`; an error names its port ("private interface eth1:
// ..."). Every kernel backend's pair opens its ports this way.
template <class P, class OpenPort>
base::Status open_ports(const PortPairSpec& spec, OpenPort open_port, std::unique_ptr<P>& first,
                        std::unique_ptr<P>& second) {
  for (const auto& [port, slot] :
       {std::pair{&spec.first, &first}, std::pair{&spec.second, &second}}) {
    auto opened = open_port(*port);
    if (!opened)
      return base::in_context(port->role + " interface " + port->ifname + ": ", opened.error());
    *slot = std::move(*opened);
  }
  return base::Ok{};
}

}  // namespace strait::backend
