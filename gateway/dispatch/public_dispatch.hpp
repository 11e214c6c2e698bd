#pragma once
// First stage on a public interface: classifies received frames.
//   for another MAC                          -> dropped, counted (mac_filter.hpp)
//   ARP / neighbor discovery                 -> public next hop
//   ESP to the queue's address                -> decapsulation
//   UDP to protocol-port at the queue address -> the key-exchange control queue
//   UDP to the nat-traversal port (when on)   -> NAT keepalive: counted, dropped;
//                                                 non-ESP marker: control queue;
//                                                 ESP in UDP: UDP decapsulation
//   ICMP to the queue's address               -> public ICMP responder
//   anything else                             -> dropped, counted
// Fragments are not reassembled: counted as fragment-errors.

#include <cstdint>
#include <span>

#include "dispatch/mac_filter.hpp"
#include "icmp/responder.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "io/spsc_ring.hpp"
#include "net/address.hpp"
#include "net/ip_check.hpp"
#include "nexthop/next_hop.hpp"
#include "state/counters.hpp"

namespace strait::dispatch {

class PublicDispatch {
 public:
  // `control` is null when no key exchange runs (data-plane mode): then
  // key-exchange messages are protocol errors.
  // `nat_port`: the nat-traversal port when a route uses udp-encapsulation,
  // else 0 (UDP to it is then any other UDP).
  PublicDispatch(const net::Address& own_ip, const net::Mac& own_mac, std::uint16_t protocol_port,
                 io::SpscRing* control, std::uint16_t nat_port = 0)
      : own_ip_(own_ip),
        ipv6_(own_ip.family == net::Family::kIpv6),
        filter_(own_mac, own_ip),
        protocol_port_(protocol_port),
        nat_port_(nat_port),
        control_(control) {}

  // ESP in UDP goes to `to_udp_decapsulation` (data at the Ethernet header,
  // length trimmed to the IP length, UDP length checked).
  void process(std::span<io::Packet*> received, io::Port& port, nexthop::NextHop& next_hop,
               icmp::Responder& icmp, io::Link& to_decapsulation, io::Link& to_public,
               io::Link& to_udp_decapsulation, state::NatTraversalCounters& nat) noexcept;

  // Reconfiguration: NAT traversal turned on (port) or off (0).
  void set_nat_port(std::uint16_t port) noexcept { nat_port_ = port; }

  state::DispatchCounters& counters() noexcept { return counters_; }
  const state::DispatchCounters& counters() const noexcept { return counters_; }
  // Key-exchange messages dropped because the control queue was full.
  std::uint64_t control_drops() const noexcept { return control_drops_; }

 private:
  net::Address own_ip_;
  bool ipv6_;
  MacFilter filter_;
  void take_nat_udp(io::Packet* p, const net::IpInfo& info, io::Port& port,
                    io::Link& to_udp_decapsulation, state::NatTraversalCounters& nat) noexcept;

  std::uint16_t protocol_port_;
  std::uint16_t nat_port_;
  io::SpscRing* control_;
  state::DispatchCounters counters_;
  std::uint64_t control_drops_ = 0;
};

}  // namespace strait::dispatch
