#include "testing/gateway_harness.hpp"

#include <stdexcept>
#include <string>

#include "config/load.hpp"
#include "testing/wire_frames.hpp"

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
  release_in_flight(*private_wire_);
  release_in_flight(*public_wire_);
  io::Packet* burst[64];
  if (auto* control = worker_ ? worker_->control_queue() : nullptr)
    while (const std::size_t n = control->pop(burst, 64))
      for (std::size_t i = 0; i < n; ++i)
        burst[i]->pool->release(burst[i]);
}

void GatewayHarness::send_private(const Bytes& frame) {
  inject(private_wire_->a(), *pool_, frame);
}
void GatewayHarness::send_public(const Bytes& frame) {
  inject(public_wire_->a(), *pool_, frame);
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

std::vector<Bytes> GatewayHarness::take_private() {
  return drain(private_wire_->a());
}
std::vector<Bytes> GatewayHarness::take_public() {
  return drain(public_wire_->a());
}

}  // namespace strait::testing
