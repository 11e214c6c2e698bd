#include "afpacket/afpacket_port.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace strait::afpacket {
namespace {

constexpr std::size_t kMinSlotSize = 2048;
// Offset of the frame in a TX slot (TPACKET_V2, no PACKET_TX_HAS_OFF).
constexpr std::size_t kTxDataOffset = TPACKET2_HDRLEN - sizeof(sockaddr_ll);
// Upper bound of the offset of a received frame in an RX slot: the kernel
// places the network header at TPACKET_ALIGN(TPACKET2_HDRLEN + 16).
constexpr std::size_t kRxDataOffsetBound = TPACKET_ALIGN(TPACKET2_HDRLEN + 16);
constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kVlanTag = 4;

std::size_t round_up_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n)
    p <<= 1;
  return p;
}

// The fanout group shared by every queue port of one interface: a 16-bit
// hash (FNV-1a, folded) of "strait:" and the interface name.
std::uint16_t fanout_group_id(const std::string& ifname) {
  std::uint32_t h = 2166136261u;
  for (const char c : "strait:" + ifname) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 16777619u;
  }
  return static_cast<std::uint16_t>((h >> 16) ^ (h & 0xffff));
}

base::Error failure(const std::string& ifname, const std::string& what, int error,
                    const std::string& hint = {}) {
  std::string message = "AF_PACKET port on " + ifname + ": " + what;
  if (error != 0) message += ": " + std::string(std::strerror(error));
  if (!hint.empty()) message += " (" + hint + ")";
  return base::Error{message, error};
}

bool vlan_tagged(const std::uint8_t* frame, std::size_t length) {
  if (length < kEthernetHeader) return false;
  const unsigned type = static_cast<unsigned>(frame[12] << 8 | frame[13]);
  return type == ETH_P_8021Q || type == ETH_P_8021AD;
}

}  // namespace

base::Result<std::unique_ptr<AfPacketPort>> AfPacketPort::open(io::FramePool& pool,
                                                               const Options& options) {
  const std::string& name = options.ifname;
  if (name.empty() || name.size() >= IFNAMSIZ)
    return failure("'" + name + "'", "invalid interface name", 0,
                   "1 to " + std::to_string(IFNAMSIZ - 1) + " characters");
  if (options.ring_frames == 0) return failure(name, "ring_frames must be at least 1", 0);

  // The port owns fd and mapping from here on: every early return cleans up.
  std::unique_ptr<AfPacketPort> port(new AfPacketPort(pool, name));

  // Protocol 0: nothing is received before the rings are set up and bind()
  // names the protocol and interface.
  port->fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (port->fd_ < 0) {
    const int e = errno;
    if (e == EPERM || e == EACCES)
      return failure(name, "cannot open a packet socket", e,
                     "needs CAP_NET_RAW: run as root or grant it, e.g. setcap cap_net_raw+ep");
    if (e == EAFNOSUPPORT)
      return failure(name, "cannot open a packet socket", e, "kernel built without CONFIG_PACKET");
    return failure(name, "cannot open a packet socket", e);
  }
  const int fd = port->fd_;

  const unsigned ifindex = if_nametoindex(name.c_str());
  if (ifindex == 0) {
    const int e = errno;
    if (e == ENODEV || e == ENXIO)
      return failure(name, "no such interface in this network namespace", 0,
                     "check the name with `ip link`");
    return failure(name, "cannot look up the interface", e);
  }

  ifreq request{};
  std::memcpy(request.ifr_name, name.c_str(), name.size());
  if (ioctl(fd, SIOCGIFMTU, &request) != 0)
    return failure(name, "cannot read the interface MTU", errno);
  const std::size_t mtu = static_cast<std::size_t>(request.ifr_mtu);

  const int version = TPACKET_V2;
  if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &version, sizeof version) != 0)
    return failure(name, "TPACKET_V2 not supported", errno, "needs Linux 2.6.27 or later");

  const int one = 1;
  // A malformed TX frame is discarded instead of jamming the TX ring
  // (to be set before the rings exist).
  if (setsockopt(fd, SOL_PACKET, PACKET_LOSS, &one, sizeof one) != 0)
    return failure(name, "cannot set PACKET_LOSS", errno);

  // Slots hold a pool frame (plus slot header); blocks are whole pages and
  // whole slots, and the rings whole blocks.
  const std::size_t slot =
      round_up_pow2(std::max(kMinSlotSize, kRxDataOffsetBound + pool.max_frame_length()));
  const std::size_t block = std::max(slot, static_cast<std::size_t>(sysconf(_SC_PAGESIZE)));
  const std::size_t per_block = block / slot;
  const std::size_t blocks = (options.ring_frames + per_block - 1) / per_block;
  tpacket_req ring{};
  ring.tp_block_size = static_cast<unsigned>(block);
  ring.tp_block_nr = static_cast<unsigned>(blocks);
  ring.tp_frame_size = static_cast<unsigned>(slot);
  ring.tp_frame_nr = static_cast<unsigned>(blocks * per_block);
  for (const int option : {PACKET_RX_RING, PACKET_TX_RING}) {
    if (setsockopt(fd, SOL_PACKET, option, &ring, sizeof ring) != 0) {
      const int e = errno;
      return failure(name,
                     std::string("cannot set up the ") + (option == PACKET_RX_RING ? "RX" : "TX") +
                         " ring of " + std::to_string(ring.tp_frame_nr) + " frames of " +
                         std::to_string(slot) + " bytes",
                     e, e == ENOMEM ? "lower ring_frames" : "");
    }
  }
  port->slot_size_ = slot;
  port->ring_frames_ = ring.tp_frame_nr;
  port->ring_bytes_ = 2 * blocks * block;
  void* memory = mmap(nullptr, port->ring_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (memory == MAP_FAILED) {
    port->ring_bytes_ = 0;
    return failure(name, "cannot map the rings", errno, "lower ring_frames");
  }
  port->ring_ = static_cast<std::uint8_t*>(memory);

  if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) != 0)
    return failure(name, "cannot set PACKET_IGNORE_OUTGOING", errno, "needs Linux 4.20 or later");

  sockaddr_ll address{};
  address.sll_family = AF_PACKET;
  address.sll_protocol = htons(ETH_P_ALL);
  address.sll_ifindex = static_cast<int>(ifindex);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    return failure(name, "cannot bind the packet socket to the interface", errno);

  if (options.device_queue) {
    const std::uint16_t group = fanout_group_id(name);
    const int fanout = group | (PACKET_FANOUT_QM << 16);
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &fanout, sizeof fanout) != 0) {
      const int e = errno;
      return failure(
          name,
          "cannot join fanout group " + std::to_string(group) + " for device queue " +
              std::to_string(*options.device_queue),
          e, e == EINVAL ? "the group id is in use with other settings, by another process?" : "");
    }
  }

  port->max_frame_length_ = std::min(pool.max_frame_length(), mtu + kEthernetHeader);
  port->mtu_ = mtu;
  return port;
}

AfPacketPort::~AfPacketPort() {
  if (ring_ != nullptr) munmap(ring_, ring_bytes_);
  if (fd_ >= 0) close(fd_);
}

void AfPacketPort::collect_kernel_drops() noexcept {
  tpacket_stats stats{};
  socklen_t length = sizeof stats;
  // Reading the statistics resets them (and the LOSING flag).
  if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &stats, &length) == 0)
    counters().rxdrop += stats.tp_drops;
}

std::size_t AfPacketPort::do_receive(std::span<io::Packet*> out) noexcept {
  std::size_t n = 0;
  while (n < out.size()) {
    auto* header = reinterpret_cast<tpacket2_hdr*>(rx_slot(rx_next_));
    const std::uint32_t status = __atomic_load_n(&header->tp_status, __ATOMIC_ACQUIRE);
    if ((status & TP_STATUS_USER) == 0) break;
    if (status & TP_STATUS_LOSING) collect_kernel_drops();

    const std::uint8_t* frame = reinterpret_cast<const std::uint8_t*>(header) + header->tp_mac;
    const std::size_t length = header->tp_len;
    const bool tagged = (status & TP_STATUS_VLAN_VALID) != 0;
    const std::size_t wire_length = length + (tagged ? kVlanTag : 0);
    io::Packet* p = nullptr;
    if (header->tp_snaplen == length && length >= 12 && wire_length <= pool_.max_frame_length())
      p = pool_.allocate();
    if (p == nullptr) {
      ++counters().rxdrop;  // larger than a pool frame, or no frame left
    } else if (tagged) {
      // Put back the tag the kernel took out: the frame as on the wire.
      const std::uint16_t tpid =
          (status & TP_STATUS_VLAN_TPID_VALID) ? header->tp_vlan_tpid : ETH_P_8021Q;
      const std::uint16_t tci = header->tp_vlan_tci;
      std::memcpy(p->data, frame, 12);
      p->data[12] = static_cast<std::uint8_t>(tpid >> 8);
      p->data[13] = static_cast<std::uint8_t>(tpid);
      p->data[14] = static_cast<std::uint8_t>(tci >> 8);
      p->data[15] = static_cast<std::uint8_t>(tci);
      std::memcpy(p->data + 16, frame + 12, length - 12);
      p->length = static_cast<std::uint32_t>(wire_length);
      out[n++] = p;
    } else {
      std::memcpy(p->data, frame, length);
      p->length = static_cast<std::uint32_t>(length);
      out[n++] = p;
    }
    __atomic_store_n(&header->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
    if (++rx_next_ == ring_frames_) rx_next_ = 0;
  }
  return n;
}

std::size_t AfPacketPort::do_transmit(std::span<io::Packet* const> packets) noexcept {
  const std::size_t slot_capacity = slot_size_ - kTxDataOffset;
  std::size_t consumed = 0;
  std::size_t queued = 0;
  for (; consumed < packets.size(); ++consumed) {
    io::Packet* p = packets[consumed];
    auto* header = reinterpret_cast<tpacket2_hdr*>(tx_slot(tx_next_));
    const std::uint32_t status = __atomic_load_n(&header->tp_status, __ATOMIC_ACQUIRE);
    if (status == TP_STATUS_WRONG_FORMAT) {
      ++counters().txerrors;  // refused by the kernel; the slot is free again
      __atomic_store_n(&header->tp_status, TP_STATUS_AVAILABLE, __ATOMIC_RELAXED);
    } else if (status != TP_STATUS_AVAILABLE) {
      break;  // ring full: the rest are not sent
    }
    // The kernel accepts Ethernet header + MTU, 4 bytes more when tagged.
    const std::size_t limit = std::min(
        slot_capacity, mtu_ + kEthernetHeader + (vlan_tagged(p->data, p->length) ? kVlanTag : 0));
    if (p->length < kEthernetHeader || p->length > limit) {
      // Cannot be sent: dropped here, counted as the base class would.
      counters().txbytes -= p->length;
      --counters().txpackets;
      ++counters().txdrop;
      release(p);
      continue;
    }
    std::memcpy(reinterpret_cast<std::uint8_t*>(header) + kTxDataOffset, p->data, p->length);
    header->tp_len = p->length;
    header->tp_snaplen = p->length;
    __atomic_store_n(&header->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
    release(p);
    ++queued;
    if (++tx_next_ == ring_frames_) tx_next_ = 0;
  }
  if (queued > 0 && sendto(fd_, nullptr, 0, MSG_DONTWAIT, nullptr, 0) < 0 && errno != EAGAIN &&
      errno != EWOULDBLOCK)
    ++counters().txerrors;  // e.g. interface down; queued frames are sent by the next kick
  return consumed;
}

}  // namespace strait::afpacket
