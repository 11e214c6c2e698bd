#include "testing/gateway_harness.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "config/load.hpp"

namespace strait::testing {

GatewayHarness::GatewayHarness(std::string_view config_text, const HarnessOptions& options) {
  auto config = config::load(config_text, "harness.conf");
  if (!config) throw std::runtime_error("config: " + config.error().message);
  config_ = std::move(config).value();
  auto pool = io::FramePool::create(options.frame_size, options.frame_count);
  if (!pool) throw std::runtime_error("frame pool: " + pool.error().message);
  pool_ = std::move(pool).value();
  private_wire_ = std::make_unique<io::MemoryWire>(*pool_, options.ring_capacity);
  public_wire_ = std::make_unique<io::MemoryWire>(*pool_, options.ring_capacity);
  auto w = worker::Worker::create(config_, options.queue, private_wire_->b(), public_wire_->b(),
                                  clock_, random_);
  if (!w) throw std::runtime_error("worker: " + w.error().message);
  worker_ = std::move(w).value();
}

GatewayHarness::~GatewayHarness() {
  // Release whatever is still in flight before the pool goes.
  drain(private_wire_->a());
  drain(public_wire_->a());
  io::Packet* burst[64];
  for (io::MemoryPort* port : {&private_wire_->b(), &public_wire_->b()})
    while (const std::size_t n = port->receive(burst))
      for (std::size_t i = 0; i < n; ++i)
        port->release(burst[i]);
  if (auto* control = worker_ ? worker_->control_queue() : nullptr)
    while (const std::size_t n = control->pop(burst, 64))
      for (std::size_t i = 0; i < n; ++i)
        burst[i]->pool->release(burst[i]);
}

void GatewayHarness::inject(io::MemoryPort& host, const Bytes& frame) {
  if (frame.size() > pool_->max_frame_length())
    throw std::runtime_error("frame of " + std::to_string(frame.size()) + " bytes too long");
  io::Packet* p = host.allocate();
  if (p == nullptr) throw std::runtime_error("frame pool exhausted");
  if (!frame.empty()) std::memcpy(p->data, frame.data(), frame.size());
  p->length = static_cast<std::uint32_t>(frame.size());
  io::Packet* one[] = {p};
  const std::uint64_t dropped = host.counters().txdrop;
  host.transmit(one);
  if (host.counters().txdrop != dropped) throw std::runtime_error("wire ring full");
}

void GatewayHarness::send_private(const Bytes& frame) {
  inject(private_wire_->a(), frame);
}
void GatewayHarness::send_public(const Bytes& frame) {
  inject(public_wire_->a(), frame);
}

std::size_t GatewayHarness::poll() {
  return worker_->poll();
}

std::size_t GatewayHarness::run(std::size_t max_polls) {
  std::size_t polls = 0;
  while (polls < max_polls) {
    ++polls;
    if (worker_->poll() == 0) break;
  }
  return polls;
}

std::vector<Bytes> GatewayHarness::drain(io::MemoryPort& host) {
  std::vector<Bytes> out;
  io::Packet* burst[64];
  while (const std::size_t n = host.receive(burst)) {
    for (std::size_t i = 0; i < n; ++i) {
      out.emplace_back(burst[i]->data, burst[i]->data + burst[i]->length);
      host.release(burst[i]);
    }
  }
  return out;
}

std::vector<Bytes> GatewayHarness::take_private() {
  return drain(private_wire_->a());
}
std::vector<Bytes> GatewayHarness::take_public() {
  return drain(public_wire_->a());
}

}  // namespace strait::testing
