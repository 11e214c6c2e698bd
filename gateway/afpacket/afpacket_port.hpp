#pragma once
// AF_PACKET backend: a raw packet socket bound to one interface (ETH_P_ALL),
// with memory-mapped TPACKET_V2 RX and TX rings shared with the kernel.
// Not promiscuous: it receives what the interface takes from the wire (its
// MAC, broadcast, the multicast groups joined; a veth or bridge port hands
// up frames for other stations too). backend/link_memberships.hpp joins
// groups, or makes the interface promiscuous for strait wan.
//
// Cost: one copy each way. Received frames are copied from their ring slot
// into a FramePool frame (the slot goes back to the kernel at once, so the
// gateway may hold packets as long as it likes); transmitted frames are
// copied from their pool frame into a TX slot, and the kernel copies the
// slot into an skb. The zero-copy backend is AF_XDP; this one works on any
// interface and any kernel, and needs nothing but CAP_NET_RAW.
//
// Why TPACKET_V2 and not V3: V3 hands over RX frames in blocks that the
// kernel retires only when full or when a timer fires, which adds latency
// (up to the block timeout) at low rates, and its TX ring is V2's frame
// ring anyway. V2 releases every frame to user space as soon as it is
// written, keeps one simple slot format for both directions, and the batch
// interface already amortises the system calls V3 saves.
//
// Own transmissions are not received back (PACKET_IGNORE_OUTGOING).
// VLANs: the kernel strips the 802.1Q/802.1ad tag of received frames into
// the slot header; this port puts it back, so every frame is received as it
// was on the wire (a gateway that does not speak VLAN then drops tagged
// frames instead of mistaking them for untagged traffic). Transmitted
// frames go out byte for byte.
//
// Device queues: with Options::device_queue set, the socket joins a fanout
// group (PACKET_FANOUT_QM, group id derived from the interface name) that
// splits received traffic by the hardware RX queue it arrived on: the kernel
// gives a frame from queue q to member q mod n of the n members, members
// numbered in the order they joined. So open queues 0, 1, ... n-1 in order
// (and size the device to n queues, `ethtool -L IF combined n`) for queue q
// to be served by the port opened with device_queue q; a device with more
// queues than members still has all its traffic received.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/result.hpp"
#include "io/frame_pool.hpp"
#include "io/port.hpp"

namespace strait::afpacket {

struct Options {
  std::string ifname;
  std::optional<std::uint16_t>
      device_queue;                // 0-based hardware queue to serve; nullopt: all traffic
  std::size_t ring_frames = 2048;  // per direction
};

class AfPacketPort final : public io::Port {
 public:
  static base::Result<std::unique_ptr<AfPacketPort>> open(io::FramePool& pool,
                                                          const Options& options);
  ~AfPacketPort() override;
  AfPacketPort(const AfPacketPort&) = delete;
  AfPacketPort& operator=(const AfPacketPort&) = delete;

  // Pollable: readable when received frames wait in the RX ring.
  int fd() const noexcept { return fd_; }

  io::Packet* allocate() noexcept override { return pool_.allocate(); }
  void release(io::Packet* packet) noexcept override { packet->pool->release(packet); }
  // The smaller of a pool frame and the interface MTU plus the Ethernet
  // header (MTU read at open).
  std::size_t max_frame_length() const noexcept override { return max_frame_length_; }

  // Slots per ring (Options::ring_frames rounded up to whole ring blocks).
  std::size_t ring_frames() const noexcept { return ring_frames_; }
  const std::string& ifname() const noexcept { return ifname_; }

 protected:
  std::size_t do_receive(std::span<io::Packet*> out) noexcept override;
  std::size_t do_transmit(std::span<io::Packet* const> packets) noexcept override;

 private:
  AfPacketPort(io::FramePool& pool, std::string ifname) : pool_(pool), ifname_(std::move(ifname)) {}

  std::uint8_t* rx_slot(std::size_t i) noexcept { return ring_ + i * slot_size_; }
  std::uint8_t* tx_slot(std::size_t i) noexcept { return ring_ + (ring_frames_ + i) * slot_size_; }
  void collect_kernel_drops() noexcept;

  io::FramePool& pool_;
  std::string ifname_;
  int fd_ = -1;
  std::uint8_t* ring_ = nullptr;  // RX ring, then TX ring
  std::size_t ring_bytes_ = 0;
  std::size_t slot_size_ = 0;
  std::size_t ring_frames_ = 0;
  std::size_t rx_next_ = 0;
  std::size_t tx_next_ = 0;
  std::size_t max_frame_length_ = 0;
  std::size_t mtu_ = 0;
};

}  // namespace strait::afpacket
