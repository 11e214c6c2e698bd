#pragma once
// Decapsulated packets: those for the gateway's private address go to the
// inbound ICMP responder (echo replies return through the tunnel); the rest
// have their TTL / hop limit decremented and leave on the private
// interface, or expire with Time Exceeded sent back through the tunnel.

#include "icmp/responder.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "router/icmp_error_sender.hpp"

namespace strait::router {

class InboundRouter {
 public:
  InboundRouter(const net::Address& private_ip, IcmpErrorSender& errors)
      : private_ip_(private_ip), ipv6_(private_ip.family == net::Family::kIpv6), errors_(errors) {}

  void process(io::Link& in, io::Link& to_private, io::Link& to_router,
               icmp::Responder& inbound_icmp, io::Port& port) noexcept;

 private:
  net::Address private_ip_;
  bool ipv6_;
  IcmpErrorSender& errors_;
};

}  // namespace strait::router
