#include "backend/xdp_backend.hpp"

#include "backend/link_memberships.hpp"
#include "io/frame_pool.hpp"
#include "xdp/umem.hpp"
#include "xdp/xsk_port.hpp"

namespace strait::backend {

namespace {

class XdpPair final : public PortPair {
 public:
  static base::Result<std::unique_ptr<PortPair>> open(const PortPairSpec& spec) {
    auto pool = io::FramePool::create(spec.frame_size, spec.frame_count);
    if (!pool) return pool.error();
    xdp::UmemOptions umem_options;
    umem_options.fill_size = umem_options.completion_size = spec.ring_size;
    auto umem = xdp::Umem::create(**pool, umem_options);
    if (!umem) return umem.error();
    std::unique_ptr<XdpPair> pair(new XdpPair(spec, std::move(*pool), std::move(*umem)));
    const auto open_port = [&](const PortSpec& port) {
      xdp::PortOptions options;
      options.ifname = port.ifname;
      options.queue_id = port.device_queue.value_or(0);
      options.public_side = port.traffic == Traffic::kOwn;
      options.addresses = port.own_addresses;
      options.protocol_port = port.protocol_port;
      options.nat_port = port.nat_port;
      options.rx_size = options.tx_size = spec.ring_size;
      auto opened = xdp::XskPort::open(*pair->umem_, options);
      if (!opened) return opened;
      if (auto joined = pair->memberships_.join(port); !joined)
        return decltype(opened)(joined.error());
      return opened;
    };
    if (auto opened = open_ports(spec, open_port, pair->first_, pair->second_); !opened)
      return opened.error();
    return std::unique_ptr<PortPair>(std::move(pair));
  }

  ~XdpPair() override {
    // Sockets before the UMEM, the UMEM before the pool's memory.
    second_.reset();
    first_.reset();
    umem_.reset();
  }

  io::Port& first() noexcept override { return *first_; }
  io::Port& second() noexcept override { return *second_; }
  std::vector<int> wait_fds() const override { return {first_->fd(), second_->fd()}; }
  std::string description() const override {
    const auto mode = [](const xdp::XskPort& port) {
      return std::string(port.mode() == xdp::Mode::kNative ? "native" : "generic") +
             (port.zero_copy() ? " zero-copy" : " copy");
    };
    return "AF_XDP (" + first_role_ + " " + mode(*first_) + ", " + second_role_ + " " +
           mode(*second_) + ")";
  }

 private:
  XdpPair(const PortPairSpec& spec, std::unique_ptr<io::FramePool> pool,
          std::unique_ptr<xdp::Umem> umem)
      : first_role_(spec.first.role),
        second_role_(spec.second.role),
        pool_(std::move(pool)),
        umem_(std::move(umem)) {}

  std::string first_role_;
  std::string second_role_;
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<xdp::Umem> umem_;
  std::unique_ptr<xdp::XskPort> first_;
  std::unique_ptr<xdp::XskPort> second_;
  PairMemberships memberships_;
};

class XdpBackend final : public Backend {
 public:
  BackendKind kind() const noexcept override { return BackendKind::kXdp; }

 protected:
  base::Result<std::unique_ptr<PortPair>> do_open_pair(const PortPairSpec& spec) override {
    return XdpPair::open(spec);
  }
};

}  // namespace

std::unique_ptr<Backend> make_xdp_backend() {
  return std::make_unique<XdpBackend>();
}

}  // namespace strait::backend
