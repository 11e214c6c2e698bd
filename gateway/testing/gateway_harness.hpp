#pragma once
// One worker of a gateway on in-memory wires, driven by a test: frames go
// in on the private or public side, poll() runs until the worker is quiet,
// and what the gateway transmitted comes out as byte vectors. Time is a
// ManualClock the test advances.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/gateway_config.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "testing/frame_builder.hpp"
#include "worker/worker.hpp"

namespace strait::testing {

struct HarnessOptions {
  std::uint16_t queue = 1;
  std::size_t frame_size = 16384;  // descriptor included
  std::size_t frame_count = 1024;
  std::size_t ring_capacity = 1024;
};

class GatewayHarness {
 public:
  // Loads `config_text` and builds the worker of options.queue; throws
  // std::runtime_error with the loader's or the worker's message.
  explicit GatewayHarness(std::string_view config_text, const HarnessOptions& options = {});
  ~GatewayHarness();
  GatewayHarness(const GatewayHarness&) = delete;
  GatewayHarness& operator=(const GatewayHarness&) = delete;

  // Queues a frame as received by the gateway's private / public port.
  // Frames longer than the pool's max_frame_length throw.
  void send_private(const Bytes& frame);
  void send_public(const Bytes& frame);
  // Polls until a poll receives nothing; returns the number of polls.
  std::size_t run(std::size_t max_polls = 10000);
  // One poll.
  std::size_t poll();
  // Everything the gateway transmitted on that side since the last take.
  std::vector<Bytes> take_private();
  std::vector<Bytes> take_public();

  base::ManualClock& clock() noexcept { return clock_; }
  worker::Worker& worker() noexcept { return *worker_; }
  const config::GatewayConfig& config() const noexcept { return config_; }
  io::FramePool& pool() noexcept { return *pool_; }
  // The gateway's ports (their interface counters).
  io::MemoryPort& private_port() noexcept { return private_wire_->b(); }
  io::MemoryPort& public_port() noexcept { return public_wire_->b(); }

 private:
  base::ManualClock clock_;
  base::SeededRandom random_{1};
  config::GatewayConfig config_;
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<io::MemoryWire> private_wire_;  // a(): the LAN side, b(): the gateway
  std::unique_ptr<io::MemoryWire> public_wire_;
  std::unique_ptr<worker::Worker> worker_;
};

}  // namespace strait::testing
