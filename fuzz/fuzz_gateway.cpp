#include "fuzz_gateway.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "fuzz_check.hpp"
#include "testing/wire_frames.hpp"

namespace strait::fuzz {

namespace {

constexpr std::size_t kRingCapacity = 256;

bool inject(io::MemoryPort& host, const Bytes& frame) {
  io::Packet* p = host.allocate();
  if (p == nullptr) return false;
  const std::size_t n = std::min(frame.size(), host.max_frame_length());
  if (n != 0) std::memcpy(p->data, frame.data(), n);
  p->length = static_cast<std::uint32_t>(n);
  io::Packet* one[] = {p};
  const std::uint64_t dropped = host.counters().txdrop;
  host.transmit(one);
  return host.counters().txdrop == dropped;
}

}  // namespace

io::FramePool& FuzzGateway::pool() {
  // Never destroyed: gateways kept by the targets (persistent.hpp) go at
  // exit, after function-local statics built later than them.
  static io::FramePool* const p = [] {
    auto created = io::FramePool::create(4096, 512);
    check(created.ok(), "no frame pool");
    return std::move(created).value().release();
  }();
  return *p;
}

FuzzGateway::FuzzGateway(const config::GatewayConfig& config, std::uint64_t seed)
    : random_(seed),
      private_wire_(std::make_unique<io::MemoryWire>(pool(), kRingCapacity)),
      public_wire_(std::make_unique<io::MemoryWire>(pool(), kRingCapacity)) {
  const std::uint16_t queue = config.public_interfaces.front().queue;
  auto w =
      worker::Worker::create(config, queue, private_wire_->b(), public_wire_->b(), clock_, random_);
  if (!w) fail("the worker cannot be built: " + w.error().message);
  worker_ = std::move(w).value();
}

FuzzGateway::~FuzzGateway() {
  private_wire_->release_waiting();
  public_wire_->release_waiting();
  worker_.reset();
  private_wire_->release_waiting();
  public_wire_->release_waiting();
  check(pool().available() == pool().count(), "the gateway kept frames after it was destroyed");
}

bool FuzzGateway::send_private(const Bytes& frame) {
  return inject(private_wire_->a(), frame);
}
bool FuzzGateway::send_public(const Bytes& frame) {
  return inject(public_wire_->a(), frame);
}

void FuzzGateway::run(std::size_t max_polls) {
  for (std::size_t i = 0; i < max_polls; ++i)
    if (worker_->poll() == 0) break;
}

std::vector<Bytes> FuzzGateway::take_private() {
  return testing::drain(private_wire_->a());
}
std::vector<Bytes> FuzzGateway::take_public() {
  return testing::drain(public_wire_->a());
}

}  // namespace strait::fuzz
