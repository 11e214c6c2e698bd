#include "xdp/xsk_port.hpp"

#include <bpf/bpf.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "xdp/filter_config.h"

namespace strait::xdp {
namespace {

// The kernel's headroom before a received frame's data (XDP_PACKET_HEADROOM),
// after the UMEM headroom.
constexpr std::size_t kKernelHeadroom = 256;

}  // namespace

XskPort::XskPort(Umem& umem, std::shared_ptr<XdpProgram> program, int ifindex,
                 std::uint32_t queue_id)
    : umem_(umem), program_(std::move(program)), ifindex_(ifindex), queue_id_(queue_id) {}

base::Result<std::unique_ptr<XskPort>> XskPort::open(Umem& umem, const PortOptions& options) {
  const unsigned ifindex = if_nametoindex(options.ifname.c_str());
  if (ifindex == 0)
    return base::Error{"no interface " + options.ifname + ": " + std::strerror(errno), errno};
  if (options.queue_id >= STRAIT_XDP_MAX_QUEUES)
    return base::Error{"queue " + std::to_string(options.queue_id) + " of " + options.ifname +
                       " is beyond the " + std::to_string(STRAIT_XDP_MAX_QUEUES) +
                       " queues the XDP program serves"};

  FilterConfig filter;
  filter.public_side = options.public_side;
  if (options.public_side) {
    filter.addresses = options.addresses;
    filter.udp_port = options.protocol_port;
    filter.nat_udp_port = options.nat_port;
  }
  auto program = XdpProgram::acquire(static_cast<int>(ifindex), filter, options.mode);
  if (!program) return base::in_context(options.ifname + ": ", program.error());

  if (!umem.claim_queue(static_cast<int>(ifindex), options.queue_id))
    return base::Error{options.ifname + " queue " + std::to_string(options.queue_id) +
                       " already has a port on this UMEM"};
  std::unique_ptr<XskPort> port(
      new XskPort(umem, std::move(*program), static_cast<int>(ifindex), options.queue_id));
  const bool first = !umem.first_claimed();
  if (first) {
    port->fill_ = &umem.first_fill();
    port->completion_ = &umem.first_completion();
  }

  xsk_socket_config config{};
  config.rx_size = options.rx_size;
  config.tx_size = options.tx_size;
  config.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD;
  // Without XDP_COPY / XDP_ZEROCOPY the kernel uses zero-copy when the
  // driver supports it and copy mode otherwise. A generically attached
  // program always feeds copy-mode sockets.
  const bool try_zero_copy = options.zero_copy_if_possible && port->mode() == Mode::kNative;
  config.bind_flags =
      static_cast<std::uint16_t>(XDP_USE_NEED_WAKEUP | (try_zero_copy ? 0 : XDP_COPY));
  // A queue is released by the kernel asynchronously after its previous
  // socket closed (a restart, or a port reopened right away): retry while
  // it is busy, for up to a second.
  int err = 0;
  for (int attempt = 0;; ++attempt) {
    err = xsk_socket__create_shared(&port->socket_, options.ifname.c_str(), options.queue_id,
                                    umem.handle(), &port->rx_, &port->tx_, port->fill_,
                                    port->completion_, &config);
    if (err != -EBUSY || attempt == 100) break;
    usleep(10000);
    if (first) {
      if (auto fresh = umem.reregister(); !fresh) return fresh.error();
      port->fill_ = &umem.first_fill();
      port->completion_ = &umem.first_completion();
    }
  }
  if (err != 0) {
    port->socket_ = nullptr;
    return base::Error{"cannot bind an AF_XDP socket to " + options.ifname + " queue " +
                           std::to_string(options.queue_id) + ": " + std::strerror(-err),
                       -err};
  }
  if (first) umem.claim_first();

  xdp_options xdp{};
  socklen_t length = sizeof xdp;
  if (getsockopt(port->fd(), SOL_XDP, XDP_OPTIONS, &xdp, &length) == 0)
    port->zero_copy_ = (xdp.flags & XDP_OPTIONS_ZEROCOPY) != 0;

  umem.refill(*port->fill_);
  if (xsk_socket__update_xskmap(port->socket_, port->program_->xsks_map_fd()) != 0)
    return base::Error{"cannot register the AF_XDP socket of " + options.ifname + " queue " +
                           std::to_string(options.queue_id) + ": " + std::strerror(errno),
                       errno};
  port->mapped_ = true;
  return port;
}

XskPort::~XskPort() {
  if (mapped_) bpf_map_delete_elem(program_->xsks_map_fd(), &queue_id_);
  if (socket_ != nullptr) {
    release_pending();
    xsk_socket__delete(socket_);
  }
  umem_.unclaim_queue(ifindex_, queue_id_);
}

// Gives the frames still held by the rings back to the pool: received and
// completed ones, and those still waiting in the fill ring.
void XskPort::release_pending() noexcept {
  std::uint32_t index = 0;
  const std::uint32_t n = xsk_ring_cons__peek(&rx_, rx_.size, &index);
  for (std::uint32_t i = 0; i < n; ++i) {
    io::Packet* p = umem_.packet_at(xsk_ring_cons__rx_desc(&rx_, index + i)->addr);
    if (p != nullptr) umem_.pool().release(p);
  }
  xsk_ring_cons__release(&rx_, n);
  umem_.complete(*completion_);
  // The UMEM's own socket stays bound until the Umem goes: the frames of
  // its fill ring stay with the kernel (a zero-copy driver may still write
  // them) and return to the pool only with the Umem.
  if (fill_ == &umem_.first_fill()) return;
  const std::uint32_t produced = *fill_->producer;
  for (std::uint32_t i = __atomic_load_n(fill_->consumer, __ATOMIC_ACQUIRE); i != produced; ++i) {
    io::Packet* p = umem_.packet_at(*xsk_ring_prod__fill_addr(fill_, i));
    if (p != nullptr) umem_.pool().release(p);
  }
}

int XskPort::fd() const noexcept {
  return xsk_socket__fd(socket_);
}

std::size_t XskPort::max_frame_length() const noexcept {
  return umem_.frame_size() - sizeof(io::Packet) - io::kDefaultHeadroom - kKernelHeadroom;
}

std::size_t XskPort::do_receive(std::span<io::Packet*> out) noexcept {
  umem_.complete(*completion_);
  std::uint32_t index = 0;
  const std::uint32_t n = xsk_ring_cons__peek(&rx_, static_cast<std::uint32_t>(out.size()), &index);
  std::size_t received = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const xdp_desc* desc = xsk_ring_cons__rx_desc(&rx_, index + i);
    io::Packet* p = umem_.received(desc->addr, desc->len);
    if (p == nullptr) {
      ++counters().rxerrors;
      continue;
    }
    out[received++] = p;
  }
  xsk_ring_cons__release(&rx_, n);
  umem_.refill(*fill_);
  if (n == 0 && xsk_ring_prod__needs_wakeup(fill_))
    recvfrom(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, nullptr);
  return received;
}

void XskPort::collect_kernel_counters() noexcept {
  xdp_statistics stats{};
  socklen_t length = sizeof stats;
  if (getsockopt(fd(), SOL_XDP, XDP_STATISTICS, &stats, &length) != 0) return;
  // Cumulative since the socket was made.
  const std::uint64_t drops = stats.rx_dropped + stats.rx_ring_full;
  if (drops > kernel_drops_) counters().rxdrop += drops - kernel_drops_;
  kernel_drops_ = drops;
}

std::size_t XskPort::do_transmit(std::span<io::Packet* const> packets) noexcept {
  umem_.complete(*completion_);
  std::uint32_t queued = 0;
  for (io::Packet* p : packets) {
    if (xsk_prod_nb_free(&tx_, 1) == 0) {
      kick_transmit();
      umem_.complete(*completion_);
      if (xsk_prod_nb_free(&tx_, 1) == 0) break;
    }
    io::Packet* frame = p;
    if (!umem_.owns(p)) {
      // Another backend's frame: the one copy, into a frame of this UMEM.
      frame = umem_.pool().allocate();
      if (frame == nullptr) break;
      if (p->length > static_cast<std::size_t>(frame->end - frame->data)) {
        umem_.pool().release(frame);
        break;
      }
      std::memcpy(frame->data, p->data, p->length);
      frame->length = p->length;
    }
    std::uint32_t index = 0;
    xsk_ring_prod__reserve(&tx_, 1, &index);
    xdp_desc* desc = xsk_ring_prod__tx_desc(&tx_, index);
    desc->addr = umem_.offset_of(frame);
    desc->len = frame->length;
    desc->options = 0;
    if (frame != p) p->pool->release(p);
    ++queued;
  }
  if (queued > 0) {
    xsk_ring_prod__submit(&tx_, queued);
    kick_transmit();
    umem_.complete(*completion_);
  }
  return queued;
}

void XskPort::kick_transmit() noexcept {
  if (xsk_ring_prod__needs_wakeup(&tx_)) sendto(fd(), nullptr, 0, MSG_DONTWAIT, nullptr, 0);
}

}  // namespace strait::xdp
