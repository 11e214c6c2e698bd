#include "flood/packet_sender.hpp"

#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace strait::flood {

namespace {

constexpr std::size_t kMaxBatch = 256;

base::Error failure(const std::string& ifname, const std::string& what, int error) {
  std::string message = "flood on " + ifname + ": " + what;
  if (error != 0) message += ": " + std::string(std::strerror(error));
  if (error == EPERM || error == EACCES) message += " (needs CAP_NET_RAW: run as root)";
  return base::Error{message, error};
}

}  // namespace

base::Result<std::unique_ptr<PacketSender>> PacketSender::open(const std::string& ifname) {
  if (ifname.empty() || ifname.size() >= IFNAMSIZ)
    return failure("'" + ifname + "'", "invalid interface name", 0);
  const unsigned ifindex = if_nametoindex(ifname.c_str());
  if (ifindex == 0)
    return failure(ifname, "no such interface in this network namespace (check `ip link`)", 0);
  // Protocol 0: nothing is received on this socket.
  const int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (fd < 0) return failure(ifname, "cannot open a packet socket", errno);
  std::unique_ptr<PacketSender> sender;
  ifreq request{};
  std::memcpy(request.ifr_name, ifname.c_str(), ifname.size());
  if (ioctl(fd, SIOCGIFHWADDR, &request) != 0) {
    const int e = errno;
    close(fd);
    return failure(ifname, "cannot read the interface's MAC address", e);
  }
  net::Mac mac;
  std::memcpy(mac.bytes.data(), request.ifr_hwaddr.sa_data, 6);
  sender.reset(new PacketSender(fd, ifname, mac));
  const int one = 1;
  if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0)
    return failure(ifname, "cannot set PACKET_QDISC_BYPASS", errno);
  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = 0;
  address.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    return failure(ifname, "cannot bind the packet socket to the interface", errno);
  return sender;
}

PacketSender::~PacketSender() {
  close(fd_);
}

base::Result<std::size_t> PacketSender::send(std::span<std::uint8_t* const> frames,
                                             std::span<const std::size_t> lengths) noexcept {
  std::array<iovec, kMaxBatch> vectors;
  std::array<mmsghdr, kMaxBatch> messages;
  const std::size_t n = std::min<std::size_t>({frames.size(), lengths.size(), kMaxBatch});
  for (std::size_t i = 0; i < n; ++i) {
    vectors[i] = iovec{frames[i], lengths[i]};
    messages[i] = mmsghdr{};
    messages[i].msg_hdr.msg_iov = &vectors[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  const int sent = sendmmsg(fd_, messages.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
  if (sent >= 0) return static_cast<std::size_t>(sent);
  if (errno == ENOBUFS || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
    return std::size_t{0};
  return failure(ifname_, "sendmmsg", errno);
}

}  // namespace strait::flood
