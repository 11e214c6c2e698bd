#pragma once
// One gateway worker on in-memory wires for the fuzz targets: what
// testing::GatewayHarness does, but cheap enough to build for every input
// (the frame pool is the process's, shared by every FuzzGateway in turn,
// and the configuration is loaded once). Destroying it releases what is
// still in flight and checks that every frame went back to the pool.

#include <memory>
#include <vector>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/gateway_config.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "records.hpp"
#include "worker/worker.hpp"

namespace strait::fuzz {

class FuzzGateway {
 public:
  // Frames of the shared pool: up to 4 KiB each (past the gateways' MTU
  // and anything a record builds).
  static io::FramePool& pool();

  FuzzGateway(const config::GatewayConfig& config, std::uint64_t seed);
  ~FuzzGateway();
  FuzzGateway(const FuzzGateway&) = delete;
  FuzzGateway& operator=(const FuzzGateway&) = delete;

  // Queues a frame as received on that side (cut to the pool's frame
  // length); false if the wire is full or the pool exhausted.
  bool send_private(const Bytes& frame);
  bool send_public(const Bytes& frame);
  // Polls until a poll receives nothing (at most max_polls).
  void run(std::size_t max_polls = 1000);
  std::vector<Bytes> take_private();
  std::vector<Bytes> take_public();

  base::ManualClock& clock() { return clock_; }
  worker::Worker& worker() { return *worker_; }

 private:
  base::ManualClock clock_;
  base::SeededRandom random_;
  std::unique_ptr<io::MemoryWire> private_wire_;  // a(): the LAN side, b(): the gateway
  std::unique_ptr<io::MemoryWire> public_wire_;
  std::unique_ptr<worker::Worker> worker_;
};

}  // namespace strait::fuzz
