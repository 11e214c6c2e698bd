#pragma once
// NAT keepalives (RFC 3948 2.3), Strait's NAT-traversal extension
// (docs/NAT-TRAVERSAL.md): every keepalive-interval, to the current
// endpoint of each route with udp-encapsulation, from the nat-traversal
// port:
//  * one UDP datagram with the single byte 0xff (RFC 3948 2.3), so that a
//    NAT in front of either gateway keeps its mapping while no traffic
//    flows;
//  * when the route has an outbound SA, an ESP dummy packet (next header
//    59, no payload: RFC 4303 2.6) in UDP: authenticated, so the peer
//    learns a new NAT mapping from it within one interval even when all
//    traffic flows towards this gateway (the 0xff teaches nothing: anyone
//    can send one).
// Sent whatever the traffic (simpler than tracking each route's last
// packet; 29 + 65 bytes per route and interval over IPv4). Runs on the
// worker's thread, from its timers.

#include <cstdint>

#include "base/clock.hpp"
#include "esp/engine.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "state/counters.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::tunnel {

class NatKeepalives {
 public:
  // At most this many keepalives per run(); a round over more routes goes
  // on at the next run.
  static constexpr std::size_t kPerRun = 64;

  // `local_port` 0 or `interval` 0: none are sent.
  void configure(std::uint16_t local_port, base::Nanoseconds interval,
                 base::Nanoseconds now) noexcept {
    if (local_port_ == local_port && interval_ == interval) return;
    local_port_ = local_port;
    interval_ = interval;
    cursor_ = 0;
    next_due_ = local_port != 0 && interval != 0 ? now + interval : base::kNever;
  }
  base::Nanoseconds next_due() const noexcept { return next_due_; }

  // Sends what is due at `now` (allocated from `port`, with room for the
  // Ethernet header, onto `out`).
  void run(base::Nanoseconds now, esp::Engine& engine, const SaDatabase& sas,
           const net::Address& source, io::Port& port, io::Link& out,
           state::NatTraversalCounters& counters) noexcept;

 private:
  std::uint16_t local_port_ = 0;
  base::Nanoseconds interval_ = 0;
  base::Nanoseconds next_due_ = base::kNever;
  std::uint32_t cursor_ = 0;  // next route of the round in progress
};

}  // namespace strait::tunnel
