#pragma once
// Chooses the route of each packet leaving through the tunnel: longest
// prefix match on the destination, TTL / hop limit check and decrement,
// MTU check. Answers with ICMP Time Exceeded / Fragmentation Needed /
// Packet Too Big from the private address.

#include <cstdint>

#include "io/link.hpp"
#include "io/port.hpp"
#include "route/lpm4.hpp"
#include "route/lpm6.hpp"
#include "router/icmp_error_sender.hpp"
#include "state/counters.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::router {

class PrivateRouter {
 public:
  PrivateRouter(net::Family family, const route::Lpm4& lpm4, const route::Lpm6& lpm6,
                const tunnel::SaDatabase& sas, std::uint16_t mtu, IcmpErrorSender& errors)
      : ipv6_(family == net::Family::kIpv6),
        lpm4_(lpm4),
        lpm6_(lpm6),
        sas_(sas),
        mtu_(mtu),
        errors_(errors) {}

  // `in`: validated IP packets (data at the Ethernet header, length trimmed
  // to the IP length). Routable ones get `route` set and go to `to_tunnel`;
  // ICMP errors for the sender go to `to_private`.
  void process(io::Link& in, io::Link& to_tunnel, io::Link& to_private,
               io::Port& private_port) noexcept;

  // Reconfiguration, between two process() calls.
  void set_mtu(std::uint16_t mtu) noexcept { mtu_ = mtu; }

  state::PrivateRouterCounters& counters() noexcept { return counters_; }
  const state::PrivateRouterCounters& counters() const noexcept { return counters_; }

 private:
  bool ipv6_;
  const route::Lpm4& lpm4_;
  const route::Lpm6& lpm6_;
  const tunnel::SaDatabase& sas_;
  std::uint16_t mtu_;
  IcmpErrorSender& errors_;
  state::PrivateRouterCounters counters_;
};

}  // namespace strait::router
