#include "backend/af_packet_backend.hpp"

#include "afpacket/afpacket_port.hpp"
#include "backend/link_memberships.hpp"
#include "io/frame_pool.hpp"

namespace strait::backend {

namespace {

class AfPacketPair final : public PortPair {
 public:
  static base::Result<std::unique_ptr<PortPair>> open(const PortPairSpec& spec) {
    auto pool = io::FramePool::create(spec.frame_size, spec.frame_count);
    if (!pool) return pool.error();
    std::unique_ptr<AfPacketPair> pair(new AfPacketPair(std::move(*pool)));
    const auto open_port = [&](const PortSpec& port) {
      afpacket::Options options;
      options.ifname = port.ifname;
      options.device_queue = port.device_queue;
      options.ring_frames = spec.ring_size;
      auto opened = afpacket::AfPacketPort::open(*pair->pool_, options);
      if (!opened) return opened;
      if (auto joined = pair->memberships_.join(port); !joined)
        return decltype(opened)(joined.error());
      return opened;
    };
    if (auto opened = open_ports(spec, open_port, pair->first_, pair->second_); !opened)
      return opened.error();
    return std::unique_ptr<PortPair>(std::move(pair));
  }

  io::Port& first() noexcept override { return *first_; }
  io::Port& second() noexcept override { return *second_; }
  std::vector<int> wait_fds() const override { return {first_->fd(), second_->fd()}; }
  std::string description() const override { return "AF_PACKET"; }

 private:
  explicit AfPacketPair(std::unique_ptr<io::FramePool> pool) : pool_(std::move(pool)) {}

  // Declaration order: the ports close before the pool goes.
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<afpacket::AfPacketPort> first_;
  std::unique_ptr<afpacket::AfPacketPort> second_;
  PairMemberships memberships_;
};

class AfPacketBackend final : public Backend {
 public:
  BackendKind kind() const noexcept override { return BackendKind::kAfPacket; }

 protected:
  base::Result<std::unique_ptr<PortPair>> do_open_pair(const PortPairSpec& spec) override {
    return AfPacketPair::open(spec);
  }
};

}  // namespace

std::unique_ptr<Backend> make_af_packet_backend() {
  return std::make_unique<AfPacketBackend>();
}

}  // namespace strait::backend
