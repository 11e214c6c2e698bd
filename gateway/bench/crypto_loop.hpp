#pragma once
// The cryptography alone, for comparison with the pipeline in the same
// run: the plan's packets (the same frame sizes, in the same order, in as
// many frames of the same size as the pipeline keeps in flight, visited in
// the same order) encrypted and then decrypted in place by the gateway's
// own ESP code (esp::encrypt, esp::decrypt) on an engine of the same code
// path, in bursts of the worker's burst size, under one SA pair. Nothing
// else: no ports, dispatch, routing, headers or hosts.

#include <cstdint>
#include <memory>
#include <vector>

#include "base/result.hpp"
#include "bench/plan.hpp"
#include "esp/engine.hpp"
#include "esp/security_association.hpp"
#include "io/frame_pool.hpp"

namespace strait::bench {

class CryptoLoop {
 public:
  static base::Result<std::unique_ptr<CryptoLoop>> create(const TrafficPlan& plan,
                                                          std::size_t in_flight,
                                                          std::size_t frame_size);
  // Encrypts and decrypts `packets` packets; nanoseconds of the thread's
  // CPU time per packet.
  base::Result<double> run(std::uint64_t packets) noexcept;
  const char* implementation() const noexcept { return engine_->architecture(); }

 private:
  CryptoLoop(const TrafficPlan& plan, std::unique_ptr<esp::Engine> engine,
             std::unique_ptr<io::FramePool> pool);

  const TrafficPlan& plan_;
  std::unique_ptr<esp::Engine> engine_;
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<esp::OutboundSa> outbound_;
  std::unique_ptr<esp::InboundSa> inbound_;
  std::vector<io::Packet*> frames_;
  std::size_t next_frame_ = 0;
  std::uint32_t size_index_ = 0;
};

}  // namespace strait::bench
