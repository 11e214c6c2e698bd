#pragma once
// The Ethernet multicast groups an interface of the gateway listens to. An
// IPv6 interface needs two (RFC 4861, RFC 4291 2.7.1): all-nodes ff02::1
// (33:33:00:00:00:01: unsolicited neighbor advertisements) and the
// solicited-node group ff02::1:ffXX:XXXX of its address (33:33:ffXX:XXXX:
// neighbor solicitations for it). IPv4 needs none: ARP requests are
// broadcast. The dispatchers accept these groups, the backends join them.

#include <cstring>
#include <vector>

#include "net/address.hpp"

namespace strait::net {

constexpr Mac kAllNodesMac{{0x33, 0x33, 0, 0, 0, 1}};

// 33:33:ff and the low 24 bits of an IPv6 address.
inline Mac solicited_node_mac(const Address& ipv6) {
  Mac mac{{0x33, 0x33, 0xff, 0, 0, 0}};
  std::memcpy(mac.bytes.data() + 3, ipv6.data() + 13, 3);
  return mac;
}

// The groups an interface with `own` as its address listens to.
inline std::vector<Mac> listened_groups(const Address& own) {
  if (own.family != Family::kIpv6) return {};
  return {kAllNodesMac, solicited_node_mac(own)};
}

}  // namespace strait::net
