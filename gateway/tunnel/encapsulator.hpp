#pragma once
// Private -> public: wraps each routed inner packet in ESP (PROTOCOL.md 1)
// and an outer IP header from this queue's public address to the route's
// gateway, in place. The outer family is the public address's; ESP's next
// header says the inner family (IPv4 4, IPv6 41), which may be the other
// one (dual-stack, docs/dual-stack.md). Packets arrive with `data` at their Ethernet header and
// `route` set by the router; they leave with room for the public next hop's
// Ethernet header.

#include <cstdint>

#include "esp/engine.hpp"
#include "esp/transform.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::tunnel {

struct EncapsulatorSettings {
  net::Address public_ip;  // outer source
  std::uint16_t mtu;       // inner size bound; the TFC target length
  bool tfc;
  net::Family inner_family;  // of the packets encapsulated (the private network's)
  // NAT traversal: the source port of ESP in UDP (nat-traversal port),
  // for routes whose SaDatabase entry has a UDP port.
  std::uint16_t udp_port = 0;
};

class Encapsulator {
 public:
  Encapsulator(esp::Engine& engine, const SaDatabase& sas, const EncapsulatorSettings& settings)
      : engine_(engine),
        sas_(sas),
        settings_(settings),
        ipv6_(settings.public_ip.family == net::Family::kIpv6),
        next_header_(settings.inner_family == net::Family::kIpv6 ? esp::kNextHeaderIpv6
                                                                 : esp::kNextHeaderIpv4) {}

  // Moves every packet of `in` to `out`, encapsulated, or drops it
  // (frame too small for the result: counted txerrors of the public port;
  // its SA exhausted: counted sequence_exhausted()).
  void process(io::Link& in, io::Link& out, io::Port& public_port) noexcept;

  // Packets dropped because their SA had reached its limit
  // (esp::OutboundSa::exhausted; read on the worker's thread or paused).
  std::uint64_t sequence_exhausted() const noexcept { return sequence_exhausted_; }

  // Reconfiguration, between two process() calls.
  void set_mtu(std::uint16_t mtu, bool tfc) noexcept {
    settings_.mtu = mtu;
    settings_.tfc = tfc;
  }
  void set_udp_port(std::uint16_t port) noexcept { settings_.udp_port = port; }

 private:
  static constexpr std::size_t kPrefetchDistance = 4;

  esp::Engine& engine_;
  const SaDatabase& sas_;
  EncapsulatorSettings settings_;
  bool ipv6_;  // the outer header
  std::uint8_t next_header_;
  std::uint64_t sequence_exhausted_ = 0;
};

}  // namespace strait::tunnel
