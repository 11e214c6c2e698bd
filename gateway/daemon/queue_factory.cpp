#include "daemon/queue_factory.hpp"

#include "base/random.hpp"
#include "worker/worker.hpp"

namespace strait::daemon {

base::Result<RunningQueue> QueueFactory::build(const config::GatewayConfig& config,
                                               const backend::QueueBinding& binding,
                                               std::optional<int> cpu,
                                               nexthop::SharedNeighbor* private_neighbor) const {
  const config::PublicInterface* public_interface = config.public_interface(binding.queue);
  if (public_interface == nullptr)
    return base::Error{"no public interface serves queue " + std::to_string(binding.queue)};
  auto ports = backend_.open_queue(binding);
  if (!ports) return ports.error();
  auto random = std::make_unique<base::SystemRandom>();
  auto worker = worker::Worker::create(config, binding.queue, (*ports)->private_port(),
                                       (*ports)->public_port(), clock_, *random, private_neighbor,
                                       worker::KeyExchangeHosting::kSeparate);
  if (!worker) return worker.error();
  RunningQueue queue;
  queue.binding = binding;
  queue.public_interface = *public_interface;
  queue.cpu = cpu;
  queue.thread =
      std::make_unique<WorkerThread>(std::move(*ports), std::move(random), std::move(*worker));
  ThreadSettings settings = threads_;
  settings.cpu = cpu;
  if (auto started = queue.thread->start(settings, /*parked=*/true); !started)
    return started.error();
  return queue;
}

}  // namespace strait::daemon
