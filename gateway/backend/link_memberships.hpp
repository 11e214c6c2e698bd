#pragma once
// What an interface must take from the wire beyond its own MAC and
// broadcast, which a NIC filters out otherwise (veth and bridges hand
// everything up anyway): the multicast groups a gateway port listens to
// (PACKET_MR_MULTICAST: an IPv6 port's all-nodes and solicited-node groups,
// net/multicast.hpp), the gateway's MAC when it is not the interface's
// address (PACKET_MR_UNICAST: a `mac` configured, or derived from the
// address, that nobody set on the interface; a driver without unicast
// filtering turns promiscuous for it, the kernel's choice) or, for strait
// wan's L2 wire, every frame (PACKET_MR_PROMISC). The gateway itself never
// asks for promiscuous mode: the dispatchers drop what is not for them
// (dispatch/mac_filter.hpp).
//
// Held by an AF_PACKET socket that receives nothing (protocol 0): the
// kernel drops the memberships when it closes, as the port closes, however
// the program ends. Both backends use it: AF_XDP sees only the frames the
// NIC accepts too.

#include <memory>
#include <string>
#include <vector>

#include "backend/port_pair.hpp"
#include "base/result.hpp"
#include "net/address.hpp"

namespace strait::backend {

class LinkMemberships {
 public:
  // nullptr when there is nothing to join. `unicast` all zero: none.
  static base::Result<std::unique_ptr<LinkMemberships>> join(const std::string& ifname,
                                                             bool promiscuous,
                                                             const net::Mac& unicast,
                                                             const std::vector<net::Mac>& groups);
  ~LinkMemberships();
  LinkMemberships(const LinkMemberships&) = delete;
  LinkMemberships& operator=(const LinkMemberships&) = delete;

 private:
  LinkMemberships() = default;
  int fd_ = -1;
};

// The memberships of a port pair's ports (PortSpec: promiscuous, unicast,
// multicast), held as long as the pair.
class PairMemberships {
 public:
  base::Status join(const PortSpec& port);

 private:
  std::vector<std::unique_ptr<LinkMemberships>> held_;
};

}  // namespace strait::backend
