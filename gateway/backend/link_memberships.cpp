#include "backend/link_memberships.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
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
    const std::string& ifname, bool promiscuous, const std::vector<net::Mac>& groups) {
  if (!promiscuous && groups.empty()) return std::unique_ptr<LinkMemberships>();
  std::unique_ptr<LinkMemberships> held(new LinkMemberships());
  // Protocol 0: the socket is never given a frame.
  held->fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (held->fd_ < 0) return failure(ifname, "cannot open a packet socket", errno);
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0) return failure(ifname, "cannot look up the interface", errno);
  packet_mreq membership{};
  membership.mr_ifindex = static_cast<int>(ifindex);
  if (promiscuous) {
    membership.mr_type = PACKET_MR_PROMISC;
    if (setsockopt(held->fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) !=
        0)
      return failure(ifname, "cannot enable promiscuous mode", errno);
  }
  for (const net::Mac& group : groups) {
    membership.mr_type = PACKET_MR_MULTICAST;
    membership.mr_alen = 6;
    std::memcpy(membership.mr_address, group.bytes.data(), 6);
    if (setsockopt(held->fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &membership, sizeof membership) !=
        0)
      return failure(ifname, "cannot join multicast group " + group.to_string(), errno);
  }
  return held;
}

LinkMemberships::~LinkMemberships() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace strait::backend
