#include "keymanager/sa_update_queue.hpp"

namespace strait::keymanager {

bool SaUpdate::apply(tunnel::SaDatabase& sas) const noexcept {
  switch (kind) {
    case Kind::kSetOutbound:
      return sas.set_outbound(route, parameters);
    case Kind::kRemoveOutbound:
      sas.remove_outbound(route);
      return true;
    case Kind::kAddInbound:
      return sas.add_inbound(route, parameters);
    case Kind::kRemoveInbound:
      sas.remove_inbound(parameters.spi);
      return true;
    case Kind::kSetEndpoint:
      sas.learn_endpoint(route, endpoint, endpoint_port);
      return true;
  }
  return false;
}

SaUpdateQueue::SaUpdateQueue(tunnel::SaDatabase& sas, std::size_t capacity)
    : sas_(sas), queue_(capacity) {}

SaUpdateQueue::~SaUpdateQueue() = default;  // the queue and the pool wipe what is left

bool SaUpdateQueue::enqueue(const SaUpdate& update) {
  if (backlog_.empty() && queue_.push(update)) return true;
  // Full (or older updates wait): keep it, in order, for flush().
  auto kept = backlog_pool_.make(update);
  if (!kept) return false;
  backlog_.push_back(std::move(kept));
  ++deferred_;
  return true;
}

bool SaUpdateQueue::set_outbound(std::uint32_t route, const esp::SaParameters& parameters) {
  return enqueue(SaUpdate(SaUpdate::Kind::kSetOutbound, route, parameters));
}

void SaUpdateQueue::remove_outbound(std::uint32_t route) {
  // A removal that cannot be queued leaves an SA in place until the next
  // change of that route (or reconfiguration): count it.
  if (!enqueue(SaUpdate(SaUpdate::Kind::kRemoveOutbound, route, {}))) ++lost_;
}

bool SaUpdateQueue::add_inbound(std::uint32_t route, const esp::SaParameters& parameters) {
  return enqueue(SaUpdate(SaUpdate::Kind::kAddInbound, route, parameters));
}

void SaUpdateQueue::remove_inbound(std::uint32_t spi) {
  esp::SaParameters only_spi{};
  only_spi.spi = spi;
  if (!enqueue(SaUpdate(SaUpdate::Kind::kRemoveInbound, 0, only_spi))) ++lost_;
}

void SaUpdateQueue::set_endpoint(std::uint32_t route, const net::Address& address,
                                 std::uint16_t port) {
  SaUpdate update(SaUpdate::Kind::kSetEndpoint, route, {});
  update.endpoint = address;
  update.endpoint_port = port;
  // Lost, the data path keeps the old endpoint until the peer's next
  // authenticated packet.
  if (!enqueue(update)) ++lost_;
}

bool SaUpdateQueue::flush() noexcept {
  while (!backlog_.empty()) {
    if (!queue_.push(*backlog_.front())) return false;
    backlog_.pop_front();  // wipes it
  }
  return true;
}

std::size_t SaUpdateQueue::apply() noexcept {
  return queue_.consume_all([this](const SaUpdate& update) {
    if (!update.apply(sas_)) ++failed_;
  });  // each update is destroyed (wiped) in its slot after the call
}

void SaUpdateQueue::apply_all() noexcept {
  apply();
  for (const auto& update : backlog_)
    if (!update->apply(sas_)) ++failed_;
  backlog_.clear();
}

void SaUpdateQueue::remap_routes(std::span<const std::uint32_t> new_index,
                                 std::size_t route_count) {
  apply_all();
  sas_.remap_routes(new_index, route_count);
}

void SaUpdateQueue::set_gateway(std::uint32_t route, const net::Address& gateway) {
  apply_all();
  sas_.set_gateway(route, gateway);
}

}  // namespace strait::keymanager
