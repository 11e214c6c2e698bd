#include "sim/sim_gateway.hpp"

#include <algorithm>

#include "base/random.hpp"
#include "config/syntax_tree.hpp"
#include "daemon/queue_bindings.hpp"
#include "worker/state_report.hpp"
#include "worker/worker.hpp"

namespace strait::sim {

base::Result<std::unique_ptr<SimGateway>> SimGateway::create(const std::string& name,
                                                             const std::string& text,
                                                             const std::string& path,
                                                             const base::Clock& world,
                                                             std::uint64_t seed) {
  auto document = config::parse_document(text, path);
  if (!document) return document.error();
  std::unique_ptr<SimGateway> gateway(new SimGateway(name, world, seed));
  if (auto started = gateway->start(*document, path); !started) return started.error();
  return gateway;
}

SimGateway::~SimGateway() {
  stop();
}

base::Status SimGateway::start(const config::Statements& document, const std::string& path) {
  // 2048 frames a queue: more than its rings and links ever hold at the
  // simulator's rates, and quick to build.
  backend_ = std::make_unique<backend::MemoryBackend>(2048);
  private_neighbor_ = std::make_unique<nexthop::SharedNeighbor>();
  controller_ = std::make_unique<control::Controller>(*this, config::Statements{});
  // As strait run: the configuration is the first transaction.
  if (auto committed = controller_->commit(document, path); !committed) {
    stop();
    return base::Error{name_ + ": " + committed.error().message};
  }
  return base::Ok{};
}

void SimGateway::stop() {
  controller_.reset();
  far_ends_.clear();
  queues_.clear();  // the workers before the ports' backend
  private_neighbor_.reset();
  backend_.reset();
}

base::Status SimGateway::restart() {
  const config::Statements running = controller_->running();
  stop();
  ++restarts_;
  // A new process draws new randomness.
  return start(running, name_ + " (restarted)");
}

base::Status SimGateway::apply(const config::GatewayConfig& config) {
  if (queues_.empty()) {
    auto bindings = daemon::bindings_of(config, name_, daemon::InterfaceNames::kInMemory);
    if (!bindings) return bindings.error();
    std::sort(bindings->begin(), bindings->end(),
              [](const auto& a, const auto& b) { return a.queue < b.queue; });
    daemon::QueueFactory::Options options;
    const std::uint64_t seed = seed_ ^ (restarts_ << 32);
    options.random = [seed](std::uint16_t queue) {
      return std::make_unique<base::SeededRandom>(seed ^ (std::uint64_t{queue} << 48));
    };
    const daemon::QueueFactory factory(*backend_, clock_, std::move(options));
    std::vector<daemon::SteppedQueue> built;
    for (const auto& binding : *bindings) {
      auto queue = factory.build_stepped(config, binding, private_neighbor_.get());
      if (!queue)
        return base::Error{"queue " + std::to_string(binding.queue) + ": " + queue.error().message};
      built.push_back(std::move(queue).value());
    }
    queues_ = std::move(built);
    far_ends_ = backend_->open_pairs();
    config_ = config;
    return base::Ok{};
  }
  // A live change: every queue prepares, then every queue commits.
  if (config.public_interfaces.size() != queues_.size())
    return base::Error{"adding or removing queues needs a restart in the simulator"};
  std::vector<worker::Worker::Reconfiguration> prepared;
  for (auto& queue : queues_) {
    if (config.public_interface(queue.binding.queue) == nullptr)
      return base::Error{"queue " + std::to_string(queue.binding.queue) +
                         " is gone: adding or removing queues needs a restart"};
    auto p = queue.worker->prepare_reconfigure(config);
    if (!p)
      return base::Error{"queue " + std::to_string(queue.binding.queue) + ": " + p.error().message};
    prepared.push_back(std::move(p).value());
  }
  for (std::size_t i = 0; i < queues_.size(); ++i)
    queues_[i].worker->commit_reconfigure(config, std::move(prepared[i]));
  config_ = config;
  return base::Ok{};
}

base::Result<std::string> SimGateway::state(std::optional<std::uint16_t> queue) {
  std::vector<const worker::Worker*> workers;
  for (const auto& q : queues_) {
    if (queue && q.binding.queue != *queue) continue;
    workers.push_back(q.worker.get());
  }
  if (queue && workers.empty()) return base::Error{"no queue " + std::to_string(*queue)};
  if (queue) return worker::render_queue_state(*workers.front());
  return worker::render_gateway_state(workers);
}

base::Status SimGateway::configure(const std::string& verb, const std::string& path,
                                   const std::string& value) {
  control::Request request;
  const auto parsed = control::parse_verb(verb);
  if (!parsed) return base::Error{"unknown configuration verb '" + verb + "'"};
  request.verb = *parsed;
  request.path = path;
  request.body = value;
  const control::Response response = controller_->handle(request);
  if (!response.ok)
    return base::Error{name_ + ": config " + verb + " " + path + ": " + std::string(response.body)};
  return base::Ok{};
}

std::size_t SimGateway::step() {
  const base::Nanoseconds now = clock_.now();
  std::size_t received = 0;
  for (auto& queue : queues_) {
    if (queue.worker->next_timer_due() <= now) queue.worker->run_due_timers();
    received += queue.worker->poll();
  }
  return received;
}

base::Nanoseconds SimGateway::next_timer_due() const noexcept {
  base::Nanoseconds due = base::kNever;
  for (const auto& queue : queues_)
    due = std::min(due, queue.worker->next_timer_due());
  if (due == base::kNever) return due;
  // In world time.
  const std::int64_t world = static_cast<std::int64_t>(due) - clock_.offset();
  return world < 0 ? 0 : static_cast<base::Nanoseconds>(world);
}

}  // namespace strait::sim
