#include "backend/link_memberships.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strait::backend {

namespace {

base::Error failure(const std::string& ifname, const std::string& what, int error) {
  return base::Error{ifname + ": " + what + ": " + std::strerror(error), error};
}

}  // namespace

base::Result<std::unique_ptr<LinkMemberships>> LinkMemberships::join(
    const std::string& ifname, bool promiscuous, const net::Mac& unicast,
    const std::vector<net::Mac>& groups) {
  const bool has_unicast = !(unicast == net::Mac{});
  if (!promiscuous && !has_unicast && groups.empty()) return std::unique_ptr<LinkMemberships>();
  if (ifname.empty() || ifname.size() >= IFNAMSIZ)
    return base::Error{"'" + ifname + "': invalid interface name"};
  std::unique_ptr<LinkMemberships> held(new LinkMemberships());
  // Protocol 0: the socket is never given a frame.
  held->fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (held->fd_ < 0) return failure(ifname, "cannot open a packet socket", errno);
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return failure(ifname, "cannot look up the interface", errno);
  const auto add = [&](int type, const net::Mac* mac) {
    packet_mreq membership{};
    membership.mr_ifindex = static_cast<int>(ifindex);
    membership.mr_type = static_cast<unsigned short>(type);
    if (mac != nullptr) {
      membership.mr_alen = 6;
      std::memcpy(membership.mr_address, mac->bytes.data(), 6);
    }
    return setsockopt(held->fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership,
                      sizeof membership) == 0;
  };
  if (promiscuous && !add(PACKET_MR_PROMISC, nullptr))
    return failure(ifname, "cannot enable promiscuous mode", errno);
  if (has_unicast) {
    ifreq request{};
    std::memcpy(request.ifr_name, ifname.c_str(), ifname.size());
    if (ioctl(held->fd_, SIOCGIFHWADDR, &request) != 0)
      return failure(ifname, "cannot read the interface's MAC", errno);
    if (std::memcmp(request.ifr_hwaddr.sa_data, unicast.bytes.data(), 6) != 0 &&
        !add(PACKET_MR_UNICAST, &unicast))
      return failure(ifname, "cannot add the gateway's MAC " + unicast.to_string(), errno);
  }
  for (const net::Mac& group : groups)
    if (!add(PACKET_MR_MULTICAST, &group))
      return failure(ifname, "cannot join multicast group " + group.to_string(), errno);
  return held;
}

LinkMemberships::~LinkMemberships() {
  if (fd_ >= 0) close(fd_);
}

base::Status PairMemberships::join(const PortSpec& port) {
  auto joined = LinkMemberships::join(port.ifname, port.promiscuous, port.unicast, port.multicast);
  if (!joined) return joined.error();
  held_.push_back(std::move(*joined));
  return base::Ok{};
}

}  // namespace strait::backend
