#pragma once
// One region's gateway in the simulator: every queue of its configuration,
// built by daemon::QueueFactory::build_stepped (as strait replay builds
// them) on an in-memory backend of its own, on its own view of the world's
// clock, with randomness from the run's seed. It is a
// control::ManagedGateway: its configuration arrives as the first
// transaction of a control::Controller, and every configuration event of a
// scenario is a transaction through that controller, as `strait config`
// sends it. A restart is the process dying (its SAs, key exchanges and
// queued frames gone) and starting again with its running configuration.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "backend/memory_backend.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "control/controller.hpp"
#include "daemon/queue_factory.hpp"
#include "nexthop/shared_neighbor.hpp"

namespace strait::sim {

// The world's clock as one gateway sees it: shifted by a clock jump.
class OffsetClock final : public base::Clock {
 public:
  explicit OffsetClock(const base::Clock& world) : world_(world) {}
  base::Nanoseconds now() const override {
    return static_cast<base::Nanoseconds>(static_cast<std::int64_t>(world_.now()) + offset_);
  }
  void jump(std::int64_t by) { offset_ += by; }
  std::int64_t offset() const noexcept { return offset_; }

 private:
  const base::Clock& world_;
  std::int64_t offset_ = 0;
};

class SimGateway final : public control::ManagedGateway {
 public:
  // The gateway of region `name`, its configuration `text` (errors name
  // `path`) applied as its first transaction.
  static base::Result<std::unique_ptr<SimGateway>> create(const std::string& name,
                                                          const std::string& text,
                                                          const std::string& path,
                                                          const base::Clock& world,
                                                          std::uint64_t seed);
  ~SimGateway() override;

  // control::ManagedGateway: all queues or none.
  base::Status apply(const config::GatewayConfig& config) override;
  base::Result<std::string> state(std::optional<std::uint16_t> queue) override;

  // A transaction as `strait config VERB NAME PATH` sends it.
  base::Status configure(const std::string& verb, const std::string& path,
                         const std::string& value);
  // The process dies and starts again with its running configuration.
  base::Status restart();
  void jump_clock(std::int64_t by) { clock_.jump(by); }

  // Runs every queue's due timers and polls it once; the packets received.
  std::size_t step();
  // When a queue next has timer work, in world time (base::kNever: none).
  base::Nanoseconds next_timer_due() const noexcept;

  const std::string& name() const noexcept { return name_; }
  const config::GatewayConfig& config() const noexcept { return config_; }
  std::size_t queue_count() const noexcept { return queues_.size(); }
  const worker::Worker& worker(std::size_t i) const { return *queues_[i].worker; }
  // The network's ends of queue i's wires.
  io::MemoryPort& private_end(std::size_t i) { return *far_ends_[i].first; }
  io::MemoryPort& public_end(std::size_t i) { return *far_ends_[i].second; }
  std::uint64_t restarts() const noexcept { return restarts_; }

 private:
  SimGateway(std::string name, const base::Clock& world, std::uint64_t seed)
      : name_(std::move(name)), clock_(world), seed_(seed) {}
  base::Status start(const config::Statements& document, const std::string& path);
  void stop();

  std::string name_;
  OffsetClock clock_;
  std::uint64_t seed_;
  std::uint64_t restarts_ = 0;
  config::GatewayConfig config_;
  // A process: built by start(), gone with stop().
  std::unique_ptr<backend::MemoryBackend> backend_;
  std::unique_ptr<nexthop::SharedNeighbor> private_neighbor_;
  std::vector<daemon::SteppedQueue> queues_;  // in order of queue id
  std::vector<backend::MemoryBackend::FarEnds> far_ends_;
  std::unique_ptr<control::Controller> controller_;
};

}  // namespace strait::sim
