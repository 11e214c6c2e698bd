#include "daemon/af_packet_backend.hpp"

#include "afpacket/afpacket_port.hpp"
#include "io/frame_pool.hpp"

namespace strait::daemon {

namespace {

constexpr std::size_t kFrameSize = 4096;   // room for a 1500-byte frame plus ESP, and more
constexpr std::size_t kPoolFrames = 8192;  // both ports' rings, in flight and to spare
constexpr std::size_t kRingFrames = 2048;

class AfPacketQueue final : public QueuePorts {
 public:
  AfPacketQueue(std::unique_ptr<io::FramePool> pool,
                std::unique_ptr<afpacket::AfPacketPort> private_port,
                std::unique_ptr<afpacket::AfPacketPort> public_port)
      : pool_(std::move(pool)),
        private_port_(std::move(private_port)),
        public_port_(std::move(public_port)) {}

  io::Port& private_port() noexcept override { return *private_port_; }
  io::Port& public_port() noexcept override { return *public_port_; }
  std::vector<int> wait_fds() const override { return {private_port_->fd(), public_port_->fd()}; }

 private:
  // Declaration order: the ports close before the pool goes.
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<afpacket::AfPacketPort> private_port_;
  std::unique_ptr<afpacket::AfPacketPort> public_port_;
};

class AfPacketBackend final : public Backend {
 public:
  std::string_view name() const noexcept override { return "AF_PACKET"; }

  base::Result<std::unique_ptr<QueuePorts>> open_queue(const QueueBinding& binding) override {
    auto pool = io::FramePool::create(kFrameSize, kPoolFrames);
    if (!pool) return pool.error();
    const auto open =
        [&](const PortBinding& side,
            std::string_view role) -> base::Result<std::unique_ptr<afpacket::AfPacketPort>> {
      afpacket::Options options;
      options.ifname = side.ifname;
      options.device_queue = side.device_queue;
      options.ring_frames = kRingFrames;
      auto port = afpacket::AfPacketPort::open(**pool, options);
      if (!port)
        return base::Error{std::string(role) + " interface " + side.ifname + ": " +
                           port.error().message};
      return std::move(*port);
    };
    auto private_port = open(binding.private_side, "private");
    if (!private_port) return private_port.error();
    auto public_port = open(binding.public_side, "public");
    if (!public_port) return public_port.error();
    return std::unique_ptr<QueuePorts>(std::make_unique<AfPacketQueue>(
        std::move(*pool), std::move(*private_port), std::move(*public_port)));
  }
};

}  // namespace

std::unique_ptr<Backend> make_af_packet_backend() {
  return std::make_unique<AfPacketBackend>();
}

}  // namespace strait::daemon
