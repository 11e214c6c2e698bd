#include "daemon/xdp_backend.hpp"

#include "io/frame_pool.hpp"
#include "xdp/umem.hpp"
#include "xdp/xsk_port.hpp"

namespace strait::daemon {

namespace {

constexpr std::size_t kFrameSize = 4096;   // AF_XDP aligned mode: a page per frame
constexpr std::uint32_t kRingSize = 1024;  // fill, completion, RX, TX: per socket
// Both sockets' fill and TX rings full, plus as many in flight again.
constexpr std::size_t kPoolFrames = 8192;

class XdpQueue final : public QueuePorts {
 public:
  XdpQueue(std::unique_ptr<io::FramePool> pool, std::unique_ptr<xdp::Umem> umem)
      : pool_(std::move(pool)), umem_(std::move(umem)) {}
  ~XdpQueue() override {
    // Sockets before the UMEM, the UMEM before the pool's memory.
    public_port_.reset();
    private_port_.reset();
    umem_.reset();
  }

  io::Port& private_port() noexcept override { return *private_port_; }
  io::Port& public_port() noexcept override { return *public_port_; }
  std::vector<int> wait_fds() const override { return {private_port_->fd(), public_port_->fd()}; }

  base::Status open(const QueueBinding& binding) {
    auto open_side = [&](const PortBinding& side, bool public_side,
                         const char* role) -> base::Result<std::unique_ptr<xdp::XskPort>> {
      xdp::PortOptions options;
      options.ifname = side.ifname;
      options.queue_id = side.device_queue.value_or(0);
      options.public_side = public_side;
      options.addresses = {side.address};
      options.protocol_port = binding.protocol_port;
      options.rx_size = options.tx_size = kRingSize;
      auto port = xdp::XskPort::open(*umem_, options);
      if (!port)
        return base::Error{std::string(role) + " interface " + side.ifname + ": " +
                           port.error().message};
      return std::move(*port);
    };
    auto private_port = open_side(binding.private_side, false, "private");
    if (!private_port) return private_port.error();
    private_port_ = std::move(*private_port);
    auto public_port = open_side(binding.public_side, true, "public");
    if (!public_port) return public_port.error();
    public_port_ = std::move(*public_port);
    return base::Ok{};
  }

 private:
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<xdp::Umem> umem_;
  std::unique_ptr<xdp::XskPort> private_port_;
  std::unique_ptr<xdp::XskPort> public_port_;
};

class XdpBackend final : public Backend {
 public:
  std::string_view name() const noexcept override { return "AF_XDP"; }

  base::Result<std::unique_ptr<QueuePorts>> open_queue(const QueueBinding& binding) override {
    auto pool = io::FramePool::create(kFrameSize, kPoolFrames);
    if (!pool) return pool.error();
    xdp::UmemOptions umem_options;
    umem_options.fill_size = umem_options.completion_size = kRingSize;
    auto umem = xdp::Umem::create(**pool, umem_options);
    if (!umem) return umem.error();
    auto queue = std::make_unique<XdpQueue>(std::move(*pool), std::move(*umem));
    if (auto opened = queue->open(binding); !opened) return opened.error();
    return std::unique_ptr<QueuePorts>(std::move(queue));
  }
};

}  // namespace

std::unique_ptr<Backend> make_xdp_backend() {
  return std::make_unique<XdpBackend>();
}

}  // namespace strait::daemon
