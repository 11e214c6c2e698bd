#include "wan/link_ports.hpp"

#include <bit>

#if STRAIT_HAVE_AFPACKET
#include "afpacket/afpacket_port.hpp"
#endif
#if STRAIT_HAVE_XDP
#include "xdp/umem.hpp"
#include "xdp/xsk_port.hpp"
#endif

namespace strait::wan {

namespace {

// 2048 bytes: a 1500-byte MTU frame fits with either backend (AF_XDP's
// aligned mode accepts 2048-byte chunks).
constexpr std::size_t kFrameSize = 2048;
constexpr std::uint32_t kRingSize = 1024;  // per port and ring

std::size_t pool_frames(std::size_t hold_frames) {
  // Held frames, every ring of both ports full (AF_XDP: fill and TX),
  // bursts in flight.
  return std::bit_ceil(hold_frames + 4 * std::size_t{kRingSize} + 1024);
}

base::Error on_interface(const std::string& role, const std::string& ifname,
                         const base::Error& error) {
  return base::Error{"interface " + role + " (" + ifname + "): " + error.message};
}

#if STRAIT_HAVE_AFPACKET
class AfPacketLinkPorts final : public LinkPorts {
 public:
  static base::Result<std::unique_ptr<LinkPorts>> open(const std::string& if_a,
                                                       const std::string& if_b,
                                                       std::size_t hold_frames) {
    auto pool = io::FramePool::create(kFrameSize, pool_frames(hold_frames));
    if (!pool) return pool.error();
    std::unique_ptr<AfPacketLinkPorts> ports(new AfPacketLinkPorts(std::move(*pool)));
    const auto open_one =
        [&](const std::string& ifname,
            const std::string& role) -> base::Result<std::unique_ptr<afpacket::AfPacketPort>> {
      afpacket::Options options;
      options.ifname = ifname;
      options.ring_frames = kRingSize;
      auto port = afpacket::AfPacketPort::open(*ports->pool_, options);
      if (!port) return on_interface(role, ifname, port.error());
      return std::move(*port);
    };
    auto a = open_one(if_a, "A");
    if (!a) return a.error();
    ports->a_ = std::move(*a);
    auto b = open_one(if_b, "B");
    if (!b) return b.error();
    ports->b_ = std::move(*b);
    return std::unique_ptr<LinkPorts>(std::move(ports));
  }

  io::Port& a() noexcept override { return *a_; }
  io::Port& b() noexcept override { return *b_; }
  std::vector<int> wait_fds() const override { return {a_->fd(), b_->fd()}; }
  io::FramePool& pool() noexcept override { return *pool_; }
  std::string description() const override { return "AF_PACKET"; }

 private:
  explicit AfPacketLinkPorts(std::unique_ptr<io::FramePool> pool) : pool_(std::move(pool)) {}

  // Declaration order: the ports close before the pool goes.
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<afpacket::AfPacketPort> a_;
  std::unique_ptr<afpacket::AfPacketPort> b_;
};
#endif

#if STRAIT_HAVE_XDP
class XdpLinkPorts final : public LinkPorts {
 public:
  static base::Result<std::unique_ptr<LinkPorts>> open(const std::string& if_a,
                                                       const std::string& if_b,
                                                       std::size_t hold_frames) {
    auto pool = io::FramePool::create(kFrameSize, pool_frames(hold_frames));
    if (!pool) return pool.error();
    xdp::UmemOptions umem_options;
    umem_options.fill_size = umem_options.completion_size = kRingSize;
    auto umem = xdp::Umem::create(**pool, umem_options);
    if (!umem) return umem.error();
    std::unique_ptr<XdpLinkPorts> ports(new XdpLinkPorts(std::move(*pool), std::move(*umem)));
    const auto open_one =
        [&](const std::string& ifname,
            const std::string& role) -> base::Result<std::unique_ptr<xdp::XskPort>> {
      xdp::PortOptions options;
      options.ifname = ifname;
      options.queue_id = 0;
      options.public_side = false;  // every frame
      options.rx_size = options.tx_size = kRingSize;
      auto port = xdp::XskPort::open(*ports->umem_, options);
      if (!port) return on_interface(role, ifname, port.error());
      return std::move(*port);
    };
    auto a = open_one(if_a, "A");
    if (!a) return a.error();
    ports->a_ = std::move(*a);
    auto b = open_one(if_b, "B");
    if (!b) return b.error();
    ports->b_ = std::move(*b);
    return std::unique_ptr<LinkPorts>(std::move(ports));
  }

  ~XdpLinkPorts() override {
    // Sockets before the UMEM, the UMEM before the pool's memory.
    b_.reset();
    a_.reset();
    umem_.reset();
  }

  io::Port& a() noexcept override { return *a_; }
  io::Port& b() noexcept override { return *b_; }
  std::vector<int> wait_fds() const override { return {a_->fd(), b_->fd()}; }
  io::FramePool& pool() noexcept override { return *pool_; }
  std::string description() const override {
    const auto mode = [](const xdp::XskPort& port) {
      return std::string(port.mode() == xdp::Mode::kNative ? "native" : "generic") +
             (port.zero_copy() ? " zero-copy" : " copy");
    };
    return "AF_XDP (A " + mode(*a_) + ", B " + mode(*b_) + ")";
  }

 private:
  XdpLinkPorts(std::unique_ptr<io::FramePool> pool, std::unique_ptr<xdp::Umem> umem)
      : pool_(std::move(pool)), umem_(std::move(umem)) {}

  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<xdp::Umem> umem_;
  std::unique_ptr<xdp::XskPort> a_;
  std::unique_ptr<xdp::XskPort> b_;
};
#endif

}  // namespace

std::string_view port_backend_name(PortBackend backend) noexcept {
  return backend == PortBackend::kXdp ? "AF_XDP" : "AF_PACKET";
}

bool port_backend_available(PortBackend backend) noexcept {
  return backend == PortBackend::kXdp ? STRAIT_HAVE_XDP != 0 : STRAIT_HAVE_AFPACKET != 0;
}

base::Result<std::unique_ptr<LinkPorts>> LinkPorts::open(PortBackend backend,
                                                         const std::string& if_a,
                                                         const std::string& if_b,
                                                         std::size_t hold_frames) {
  if (if_a == if_b) return base::Error{"the two interfaces must differ (both are " + if_a + ")"};
  switch (backend) {
    case PortBackend::kXdp:
#if STRAIT_HAVE_XDP
      return XdpLinkPorts::open(if_a, if_b, hold_frames);
#else
      return base::Error{"this strait was built without the AF_XDP backend"};
#endif
    case PortBackend::kAfPacket:
#if STRAIT_HAVE_AFPACKET
      return AfPacketLinkPorts::open(if_a, if_b, hold_frames);
#else
      return base::Error{"this strait was built without the AF_PACKET backend"};
#endif
  }
  return base::Error{"unknown backend"};
}

}  // namespace strait::wan
