#pragma once
// An AF_XDP socket as an io::Port: one socket per (interface, queue), fed
// by the XSK redirect program (xdp_program.hpp) attached to the interface.
//
// Memory: the ports of one worker share ONE Umem (one FramePool), on every
// interface they serve, each socket with its own fill and completion ring
// (xsk_socket__create_shared). The issue suggests one UMEM per interface,
// but a packet received on the private interface and sent out of the
// public one (and back) would then have to be copied between UMEMs; with a
// per-worker UMEM the same frame is handed from one socket's RX ring to the
// other's TX ring, and its frame returns to the pool from the completion
// ring. Frames of any pool are accepted for transmission; a frame from
// another pool is copied (the only copy, off the normal path).
//
// Zero-copy: the first socket bound to a Umem decides copy or zero-copy
// mode for it (the kernel inherits the mode for shared sockets): with
// zero_copy_if_possible the kernel picks zero-copy when the driver supports
// it, else copy mode. veth has no zero-copy support: copy mode there (the
// kernel copies into the UMEM frame; the gateway still never copies).
//
// Lifetime: destroy the ports before their Umem. The first port of a Umem
// uses the UMEM's own socket, which stays bound to its (interface, queue)
// until the Umem is destroyed: reopen that queue with a new Umem.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "xdp/umem.hpp"
#include "xdp/xdp_program.hpp"

namespace strait::xdp {

struct PortOptions {
  std::string ifname;
  std::uint32_t queue_id = 0;  // 0-based receive/transmit queue
  // Public side: only the gateway's own traffic (to `addresses`) reaches
  // the socket, the rest goes to the kernel. Private side: everything.
  bool public_side = false;
  std::vector<net::Address> addresses;  // public side: the gateway's own
  std::uint16_t protocol_port = 0;      // public side: UDP port of the key exchange
  std::uint16_t nat_port = 0;           // public side: NAT traversal's UDP port (0: none)
  Mode mode = Mode::kAuto;
  bool zero_copy_if_possible = true;
  std::uint32_t rx_size = 2048;  // RX ring; power of two
  std::uint32_t tx_size = 2048;  // TX ring; power of two
};

class XskPort final : public io::Port {
 public:
  // Attaches the XDP program to the interface unless a port of this
  // process already did (see XdpProgram::acquire), binds a socket to the
  // queue, registers it in the program's map and fills its fill ring.
  static base::Result<std::unique_ptr<XskPort>> open(Umem& umem, const PortOptions& options);
  ~XskPort() override;
  XskPort(const XskPort&) = delete;
  XskPort& operator=(const XskPort&) = delete;

  io::Packet* allocate() noexcept override { return umem_.pool().allocate(); }
  void release(io::Packet* packet) noexcept override { packet->pool->release(packet); }
  // A received frame starts after 448 bytes of its frame (descriptor,
  // headroom, XDP_PACKET_HEADROOM); the same bound is used for sending.
  std::size_t max_frame_length() const noexcept override;

  // Readable when packets are waiting (poll() it when idle).
  int fd() const noexcept;
  bool zero_copy() const noexcept { return zero_copy_; }
  // The mode the program is attached in: kNative or kGeneric.
  Mode mode() const noexcept { return program_->mode(); }
  const XdpProgram& program() const noexcept { return *program_; }
  Umem& umem() noexcept { return umem_; }
  // rxdrop += what XDP_STATISTICS counted since the last call (rx_dropped,
  // rx_ring_full): frames the kernel could not hand to the socket.
  void collect_kernel_counters() noexcept override;

 protected:
  std::size_t do_receive(std::span<io::Packet*> out) noexcept override;
  std::size_t do_transmit(std::span<io::Packet* const> packets) noexcept override;

 private:
  XskPort(Umem& umem, std::shared_ptr<XdpProgram> program, int ifindex, std::uint32_t queue_id);
  void kick_transmit() noexcept;
  void release_pending() noexcept;

  Umem& umem_;
  std::shared_ptr<XdpProgram> program_;
  int ifindex_;
  std::uint32_t queue_id_;
  xsk_socket* socket_ = nullptr;
  bool zero_copy_ = false;
  bool mapped_ = false;
  xsk_ring_cons rx_{};
  xsk_ring_prod tx_{};
  xsk_ring_prod own_fill_{};
  xsk_ring_cons own_completion_{};
  xsk_ring_prod* fill_ = &own_fill_;  // the Umem's first rings for its first port
  xsk_ring_cons* completion_ = &own_completion_;
  std::uint64_t kernel_drops_ = 0;  // XDP_STATISTICS drops already counted
};

}  // namespace strait::xdp
