#pragma once
// The typed, validated configuration of one gateway (CONFIG.md, module
// vita-esp-gateway). Produced only by config::load*, so every instance
// satisfies the schema: one address family for the private network and the
// routes (`family`), unique keys, defaults filled in, derived MACs computed.
// Dual-stack extension (docs/dual-stack.md): a public interface, and the
// route gateways reached through it, may be of the other family; each
// queue has one public interface, and a route's gateway for a queue is of
// that interface's family.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/secret_bytes.hpp"
#include "net/address.hpp"

namespace strait::config {

struct Interface {
  std::optional<std::string> ifname;  // kernel interface (AF_XDP / AF_PACKET)
  std::optional<std::string> pci;     // PCI address, e.g. "0000:00:06.0"
  net::Address ip;
  net::Address nexthop_ip;
  net::Mac mac;                         // configured, or derived from ip
  std::optional<net::Mac> nexthop_mac;  // set: no ARP / ND for the next hop

  bool operator==(const Interface&) const = default;
};

struct PublicInterface : Interface {
  std::uint16_t queue = 1;
  std::optional<std::uint16_t> device_queue;
  std::optional<net::Address> nat_ip;
  // The key-exchange identity of this queue: nat_ip if set, else ip.
  const net::Address& identity() const { return nat_ip ? *nat_ip : ip; }

  bool operator==(const PublicInterface&) const = default;
};

struct RouteGateway {
  net::Address ip;
  std::uint16_t queue = 1;
};

// Secrets (pre-shared keys, SA keys and salts) are base::SecretBytes: each
// copy of a configuration holds its own in the secure heap (locked, not
// dumped, wiped when the copy dies); the key manager keeps its own copies
// in locked memory.
struct Route {
  std::string id;
  net::Prefix net;
  std::vector<RouteGateway> gateways;  // at least one, unique queue
  base::SecretBytes<32> preshared_key;
  std::uint32_t spi = 0;  // route SPI, >= 256
  // Strait's extension (docs/NAT-TRAVERSAL.md): ESP in UDP (RFC 3948) and
  // the key exchange multiplexed on nat-traversal's port, for this route.
  bool udp_encapsulation = false;

  // The peer gateway for `queue`; a queue with no gateway of its own uses
  // the gateway of the lowest queue id (PROTOCOL.md 3).
  const net::Address& gateway_for(std::uint16_t queue) const {
    const RouteGateway* lowest = &gateways.front();
    for (const auto& g : gateways) {
      if (g.queue == queue) return g.ip;
      if (g.queue < lowest->queue) lowest = &g;
    }
    return lowest->ip;
  }
};

struct SecurityAssociation {
  std::string route;  // id of a configured route
  std::uint32_t spi = 0;
  base::SecretBytes<16> key;
  base::SecretBytes<4> salt;
  std::uint16_t queue = 1;
};

// Strait's extension (docs/NAT-TRAVERSAL.md): the UDP port of ESP in UDP
// and of the key exchange of routes with udp-encapsulation, and how often
// NAT keepalives go to their peers (0: never).
struct NatTraversal {
  std::uint16_t port = 4500;
  std::uint32_t keepalive_interval = 20;  // seconds

  bool operator==(const NatTraversal&) const = default;
};

struct GatewayConfig {
  net::Family family = net::Family::kIpv4;  // of the private network and the routes (inner)
  Interface private_interface;
  std::vector<PublicInterface> public_interfaces;  // at least one, unique ip and queue
  std::vector<Route> routes;
  std::uint16_t mtu = 8923;
  bool tfc = false;
  std::uint16_t protocol_port = 303;
  std::uint32_t negotiation_ttl = 5;  // seconds
  std::uint32_t sa_ttl = 600;         // seconds
  bool data_plane = false;
  std::vector<SecurityAssociation> outbound_sas;
  std::vector<SecurityAssociation> inbound_sas;
  NatTraversal nat_traversal;

  // Whether any route uses udp-encapsulation.
  bool uses_udp_encapsulation() const {
    for (const auto& r : routes)
      if (r.udp_encapsulation) return true;
    return false;
  }

  // A public interface of another family than the private network's
  // (the dual-stack extension: a Vita peer cannot be configured so).
  bool dual_stack() const {
    for (const auto& p : public_interfaces)
      if (p.ip.family != family) return true;
    return false;
  }

  // The public interface serving `queue`, or nullptr.
  const PublicInterface* public_interface(std::uint16_t queue) const {
    for (const auto& p : public_interfaces)
      if (p.queue == queue) return &p;
    return nullptr;
  }
};

}  // namespace strait::config
