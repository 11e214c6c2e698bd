#include "daemon/queue_factory.hpp"

#include "worker/worker.hpp"

namespace strait::daemon {

base::Result<SteppedQueue> QueueFactory::build_worker(const config::GatewayConfig& config,
                                                      const backend::QueueBinding& binding,
                                                      nexthop::SharedNeighbor* private_neighbor,
                                                      worker::KeyExchangeHosting hosting) const {
  if (config.public_interface(binding.queue) == nullptr)
    return base::Error{"no public interface serves queue " + std::to_string(binding.queue)};
  SteppedQueue queue;
  queue.binding = binding;
  auto ports = backend_.open_queue(binding);
  if (!ports) return ports.error();
  queue.ports = std::move(ports).value();
  queue.random =
      options_.random ? options_.random(binding.queue) : std::make_unique<base::SystemRandom>();
  auto worker = worker::Worker::create(
      config, binding.queue, queue.ports->private_port(), queue.ports->public_port(), clock_,
      *queue.random, private_neighbor, hosting, options_.static_sa_initial_sequence,
      options_.static_sequences);
  if (!worker) return worker.error();
  queue.worker = std::move(worker).value();
  return queue;
}

base::Result<SteppedQueue> QueueFactory::build_stepped(
    const config::GatewayConfig& config, const backend::QueueBinding& binding,
    nexthop::SharedNeighbor* private_neighbor) const {
  return build_worker(config, binding, private_neighbor, worker::KeyExchangeHosting::kInWorker);
}

base::Result<RunningQueue> QueueFactory::build(const config::GatewayConfig& config,
                                               const backend::QueueBinding& binding,
                                               std::optional<int> cpu,
                                               nexthop::SharedNeighbor* private_neighbor) const {
  auto parts =
      build_worker(config, binding, private_neighbor, worker::KeyExchangeHosting::kSeparate);
  if (!parts) return parts.error();
  RunningQueue queue;
  queue.binding = binding;
  queue.public_interface = *config.public_interface(binding.queue);
  queue.cpu = cpu;
  queue.thread = std::make_unique<WorkerThread>(std::move(parts->ports), std::move(parts->random),
                                                std::move(parts->worker));
  ThreadSettings settings = options_.threads;
  settings.cpu = cpu;
  if (auto started = queue.thread->start(settings, /*parked=*/true); !started)
    return started.error();
  return queue;
}

}  // namespace strait::daemon
