#pragma once
// First stage on the private interface: classifies received frames.
//   for another MAC               -> dropped, counted (mac_filter.hpp)
//   ARP / neighbor discovery      -> private next hop
//   IP to the gateway's address   -> private ICMP responder (echo replies back out)
//   other IP of the family        -> private router (forwarding) if sent to the
//                                    gateway's MAC; as a link-layer broadcast or
//                                    multicast: dropped, counted as mac-errors
//                                    (RFC 1812 5.3.4)
//   anything else                 -> dropped, counted
// IP headers are validated here once and frames trimmed to the IP length.

#include <span>

#include "dispatch/mac_filter.hpp"
#include "icmp/responder.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "nexthop/next_hop.hpp"
#include "state/counters.hpp"

namespace strait::dispatch {

class PrivateDispatch {
 public:
  PrivateDispatch(const net::Address& own_ip, const net::Mac& own_mac)
      : own_ip_(own_ip), ipv6_(own_ip.family == net::Family::kIpv6), filter_(own_mac, own_ip) {}

  void process(std::span<io::Packet*> received, io::Port& port, nexthop::NextHop& next_hop,
               icmp::Responder& icmp, io::Link& to_router, io::Link& to_private) noexcept;

  state::DispatchCounters& counters() noexcept { return counters_; }
  const state::DispatchCounters& counters() const noexcept { return counters_; }

 private:
  net::Address own_ip_;
  bool ipv6_;
  MacFilter filter_;
  state::DispatchCounters counters_;
};

}  // namespace strait::dispatch
