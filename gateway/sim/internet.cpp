#include "sim/internet.hpp"

#include <cstring>

#include "net/headers.hpp"
#include "sim/sim_gateway.hpp"

namespace strait::sim {

namespace {

constexpr std::size_t kFrameSize = 2048;
constexpr std::size_t kFrames = 16384;
constexpr std::size_t kHeld = 8192;  // frames one link direction holds at most
constexpr std::size_t kEthernet = net::kEthernetHeaderSize;

}  // namespace

// Where a link's frames go: the public end of the destination's queue
// whose MAC the frame is addressed to.
class Internet::LinkExit final : public io::Port {
 public:
  LinkExit(Internet& internet, std::size_t to) : internet_(internet), to_(to) {}
  io::Packet* allocate() noexcept override { return nullptr; }
  void release(io::Packet* packet) noexcept override { packet->pool->release(packet); }
  std::size_t max_frame_length() const noexcept override { return kFrameSize; }

 protected:
  std::size_t do_receive(std::span<io::Packet*>) noexcept override { return 0; }
  std::size_t do_transmit(std::span<io::Packet* const> packets) noexcept override {
    for (io::Packet* p : packets) {
      io::MemoryPort* end = nullptr;
      for (const Attachment& a : internet_.attachments_)
        if (a.region == to_ && std::memcmp(a.mac.bytes.data(), p->data, 6) == 0)
          end = &internet_.gateways_[to_]->public_end(a.queue);
      if (end == nullptr) {
        release(p);  // the queue is gone (a reconfiguration)
        continue;
      }
      end->transmit({&p, 1});  // a full ring counts its own drop
    }
    return packets.size();
  }

 private:
  Internet& internet_;
  std::size_t to_;
};

Internet::Internet(std::vector<std::unique_ptr<SimGateway>>& gateways,
                   const std::vector<LinkSpec>& links, std::uint64_t seed)
    : gateways_(gateways), regions_(gateways.size()) {
  auto pool = io::FramePool::create(kFrameSize, kFrames);
  if (pool) pool_ = std::move(pool).value();
  directions_.resize(regions_ * regions_);
  for (std::size_t from = 0; from < regions_; ++from)
    for (std::size_t to = 0; to < regions_; ++to) {
      if (from == to) continue;
      wan::LinkProfile profile;  // perfect unless declared
      for (const LinkSpec& link : links) {
        if (link.a == gateways_[from]->name() && link.b == gateways_[to]->name())
          profile = link.a_to_b;
        if (link.b == gateways_[from]->name() && link.a == gateways_[to]->name())
          profile = link.b_to_a;
      }
      Direction& d = direction(from, to);
      d.from = from;
      d.to = to;
      d.random = std::make_unique<base::SeededRandom>(seed ^ (from << 20 | to << 8 | 0x5eed));
      d.line = std::make_unique<wan::DelayLine>(profile, kHeld, *d.random);
      d.exit = std::make_unique<LinkExit>(*this, to);
    }
  nats_.resize(regions_);
  attach();
}

Internet::~Internet() = default;

void Internet::attach() {
  attachments_.clear();
  for (std::size_t r = 0; r < regions_; ++r) {
    const auto& config = gateways_[r]->config();
    for (std::size_t q = 0; q < gateways_[r]->queue_count(); ++q) {
      const auto& side = config.public_interfaces.at(q);
      attachments_.push_back({r, q, side.ip, side.mac, replay::SimulatedNeighbor(side.nexthop_ip)});
    }
  }
}

const Internet::Attachment* Internet::owner(const std::uint8_t* address,
                                            std::size_t length) const noexcept {
  for (const Attachment& a : attachments_)
    if (a.ip.size() == length && std::memcmp(a.ip.data(), address, length) == 0) return &a;
  return nullptr;
}

io::Packet* Internet::copy(std::span<const std::uint8_t> bytes) {
  io::Packet* p = pool_ ? pool_->allocate() : nullptr;
  if (p == nullptr || bytes.size() > pool_->max_frame_length()) {
    if (p) pool_->release(p);
    ++counters_.no_frame;
    return nullptr;
  }
  std::memcpy(p->data, bytes.data(), bytes.size());
  p->length = static_cast<std::uint32_t>(bytes.size());
  return p;
}

void Internet::from_gateway(std::size_t region, std::size_t queue, io::Packet* frame,
                            base::Nanoseconds now) {
  const std::span<const std::uint8_t> bytes(frame->data, frame->length);
  const Attachment* self = nullptr;
  for (const Attachment& a : attachments_)
    if (a.region == region && a.queue == queue) self = &a;
  // A question for the router: answered at once.
  if (self != nullptr) {
    const auto answer = self->router.answer(bytes);
    if (!answer.empty()) {
      frame->pool->release(frame);
      if (io::Packet* p = copy(answer)) {
        ++counters_.answered;
        gateways_[region]->public_end(queue).transmit({&p, 1});
      }
      return;
    }
  }
  if (bytes.size() >= kEthernet + 20) {
    const std::uint16_t type = net::load16(bytes.data() + 12);
    if (type != net::kEthertypeIpv4 && type != net::kEthertypeIpv6) {
      ++counters_.ignored;
      frame->pool->release(frame);
      return;
    }
  }
  io::Packet* p = copy(bytes);
  frame->pool->release(frame);
  if (p == nullptr) return;
  std::uint8_t* ip = p->data + kEthernet;
  const std::size_t ip_length = p->length - kEthernet;
  // The sender's NAT, then the receiver's (sim/nat.hpp).
  if (nats_[region] && !nats_[region]->outbound(ip, ip_length)) {
    pool_->release(p);
    return;
  }
  const Attachment* to = nullptr;
  if (p->length >= kEthernet + 20) {
    const bool v4 = net::load16(p->data + 12) == net::kEthertypeIpv4;
    if (v4) to = owner(ip + 16, 4);
    if (!v4 && p->length >= kEthernet + 40) to = owner(ip + 24, 16);
    for (std::size_t r = 0; to == nullptr && r < regions_; ++r) {
      if (!nats_[r] || r == region) continue;
      const net::Address& outside = nats_[r]->outside();
      if (std::memcmp(v4 ? ip + 16 : ip + 24, outside.data(), outside.size()) != 0 ||
          outside.size() != (v4 ? 4u : 16u))
        continue;
      if (const auto inside = nats_[r]->inbound(ip, ip_length)) {
        to = owner(inside->data(), inside->size());
      } else {
        pool_->release(p);  // no mapping: the NAT drops it
        return;
      }
    }
  }
  if (to == nullptr || to->region == region) {
    ++counters_.no_route;
    pool_->release(p);
    return;
  }
  std::memcpy(p->data, to->mac.bytes.data(), 6);
  std::memcpy(p->data + 6, to->router.mac().bytes.data(), 6);
  if (tap_) tap_(region, to->region, queue, {p->data, p->length});
  ++counters_.routed;
  direction(region, to->region).line->accept({&p, 1}, now);
}

std::size_t Internet::deliver_due(base::Nanoseconds now) {
  std::size_t n = 0;
  for (Direction& d : directions_)
    if (d.line && d.line->next_departure() <= now) n += d.line->transmit_due(*d.exit, now);
  return n;
}

base::Nanoseconds Internet::next_departure() const noexcept {
  base::Nanoseconds next = base::kNever;
  for (const Direction& d : directions_)
    if (d.line) next = std::min(next, d.line->next_departure());
  return next;
}

void Internet::set_nat(std::size_t region, const net::Address& outside) {
  nats_.at(region) = std::make_unique<Nat>(outside);
}

void Internet::rebind_nat(std::size_t region) {
  if (nats_.at(region)) nats_[region]->rebind();
}

void Internet::set_link_down(std::size_t a, std::size_t b, bool down) {
  direction(a, b).line->set_down(down);
  direction(b, a).line->set_down(down);
}

std::uint64_t Internet::dropped(std::size_t a, std::size_t b) const {
  const auto& c = direction(a, b).line->counters();
  return c.dropped_loss + c.dropped_burst + c.dropped_mtu + c.dropped_queue_full +
         c.dropped_backlog + c.dropped_down;
}

std::string Internet::link_name(std::size_t a, std::size_t b) const {
  return gateways_[a]->name() + "-" + gateways_[b]->name();
}

}  // namespace strait::sim
