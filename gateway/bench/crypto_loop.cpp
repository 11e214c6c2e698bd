#include "bench/crypto_loop.hpp"

#include <cstring>

#include "bench/thread_clock.hpp"
#include "esp/transform.hpp"
#include "net/headers.hpp"
#include "worker/worker.hpp"

namespace strait::bench {

base::Result<std::unique_ptr<CryptoLoop>> CryptoLoop::create(const TrafficPlan& plan,
                                                             std::size_t in_flight,
                                                             std::size_t frame_size) {
  auto engine = esp::Engine::create();
  if (!engine) return engine.error();
  auto pool = io::FramePool::create(frame_size, in_flight);
  if (!pool) return pool.error();
  std::unique_ptr<CryptoLoop> loop(
      new CryptoLoop(plan, std::move(engine).value(), std::move(pool).value()));
  loop->frames_.resize(in_flight);
  if (loop->pool_->allocate_batch(loop->frames_.data(), in_flight) != in_flight)
    return base::Error{"crypto-only loop: no frames"};
  for (io::Packet* p : loop->frames_)
    for (std::size_t i = 0; i < loop->pool_->max_frame_length(); ++i)
      p->data[i] = static_cast<std::uint8_t>(i);
  return loop;
}

CryptoLoop::CryptoLoop(const TrafficPlan& plan, std::unique_ptr<esp::Engine> engine,
                       std::unique_ptr<io::FramePool> pool)
    : plan_(plan), engine_(std::move(engine)), pool_(std::move(pool)) {
  esp::SaParameters parameters;
  parameters.spi = kFirstSpi;
  for (std::size_t i = 0; i < parameters.key.size(); ++i)
    parameters.key[i] = static_cast<std::uint8_t>(i * 37 + 11);
  parameters.salt = {0x5a, 0, 0, 0};
  outbound_ = std::make_unique<esp::OutboundSa>(*engine_, parameters);
  inbound_ = std::make_unique<esp::InboundSa>(*engine_, parameters);
}

base::Result<double> CryptoLoop::run(std::uint64_t packets) noexcept {
  constexpr std::size_t kBurst = worker::Worker::kBurst;
  std::uint64_t failures = 0;
  const double start = thread_cpu_ns();
  for (std::uint64_t done = 0; done < packets;) {
    const std::size_t n =
        packets - done < kBurst ? static_cast<std::size_t>(packets - done) : kBurst;
    // As the pipeline does: the inner packet at the frame's Ethernet
    // payload, the ESP header pushed in front of it; a burst encrypted,
    // then decrypted.
    std::uint8_t* esp[kBurst];
    std::size_t inner[kBurst], length[kBurst];
    std::size_t frame = next_frame_;
    std::uint32_t size_index = size_index_;
    for (std::size_t i = 0; i < n; ++i) {
      esp[i] = frames_[frame]->data + net::kEthernetHeaderSize - esp::kHeaderSize;
      inner[i] = plan_.size(size_index) - net::kEthernetHeaderSize;
      if (++frame == frames_.size()) frame = 0;
      if (++size_index == plan_.size_count()) size_index = 0;
    }
    next_frame_ = frame;
    size_index_ = size_index;
    for (std::size_t i = 0; i < n; ++i)
      length[i] = esp::encrypt(*engine_, *outbound_, esp[i], inner[i], esp::kNextHeaderIpv4);
    for (std::size_t i = 0; i < n; ++i) {
      const esp::Decrypted d = esp::decrypt(*engine_, *inbound_, esp[i], length[i]);
      failures += d.status != esp::DecryptStatus::kOk || d.inner_length != inner[i];
    }
    done += n;
  }
  const double elapsed = thread_cpu_ns() - start;
  if (failures != 0)
    return base::Error{"crypto-only loop: " + std::to_string(failures) +
                       " packets did not decrypt to what was encrypted"};
  return std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(packets);
}

}  // namespace strait::bench
