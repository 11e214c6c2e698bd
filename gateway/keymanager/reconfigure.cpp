// KeyManager::reconfigure: what a configuration change does to the routes of
// one queue's key manager.

#include <sodium.h>

#include "keymanager/key_manager.hpp"

namespace strait::keymanager {

std::vector<std::uint32_t> KeyManager::route_mapping(const config::GatewayConfig& config) const {
  std::vector<std::uint32_t> new_index(routes_.size(), tunnel::SaDatabase::kRemoved);
  for (std::uint32_t j = 0; j < config.routes.size(); ++j) {
    const config::Route& r = config.routes[j];
    const auto found = by_spi_.find(r.spi);
    if (found == by_spi_.end()) continue;
    const Route& old = *found->second;
    if (sodium_memcmp(old.psk->data(), r.preshared_key.data(), r.preshared_key.size()) == 0)
      new_index[old.index] = j;
  }
  return new_index;
}

void KeyManager::reconfigure(const config::GatewayConfig& config,
                             std::span<const std::uint32_t> new_index) {
  const base::Nanoseconds now = clock_.now();
  negotiation_ttl_ = config.negotiation_ttl * base::kSecond;
  sa_ttl_ = config.sa_ttl * base::kSecond;
  // On while a route uses it (the port itself needs a restart:
  // Worker::prepare_reconfigure).
  nat_port_ = config.uses_udp_encapsulation() ? config.nat_traversal.port : 0;
  const LifecycleSettings settings{sa_ttl_, negotiation_ttl_ * 3 / 2};

  // Kept routes move to their new place; removed ones take their SAs (at
  // their old index, before the data plane is remapped) with them.
  std::vector<std::unique_ptr<Route>> routes(config.routes.size());
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    std::unique_ptr<Route>& route = routes_[i];
    const std::uint32_t to = i < new_index.size() ? new_index[i] : tunnel::SaDatabase::kRemoved;
    if (to == tunnel::SaDatabase::kRemoved) {
      if (route->initiator) end_negotiation(*route);
      route->lifecycle.clear();
      route.reset();
      continue;
    }
    routes.at(to) = std::move(route);
  }
  sas_.remap_routes(new_index, config.routes.size());

  by_spi_.clear();
  timers_ = {};
  waiting_.clear();
  for (std::uint32_t j = 0; j < routes.size(); ++j) {
    const config::Route& r = config.routes[j];
    const net::Address& gateway = r.gateway_for(queue_);
    if (!routes[j]) {
      routes[j] = std::make_unique<Route>(j, r, gateway, settings, sas_, spis_, pending_secrets_,
                                          counters_, psks_);
      routes[j]->negotiate_at = now;
    } else {
      Route& kept = *routes[j];
      kept.index = j;
      kept.id = r.id;
      kept.lifecycle.set_route(j);
      kept.lifecycle.set_settings(settings);
      if (kept.gateway != gateway) {
        // Another peer address: the prologue changes, so a negotiation in
        // progress cannot complete; start over with the new peer.
        if (kept.initiator) end_negotiation(kept);
        kept.responder.reset();
        kept.gateway = gateway;
        kept.udp = !kept.udp;  // set_udp below: the endpoint starts over
        set_udp(kept, r);
        kept.negotiate_at = now;
      }
      if (kept.udp != (r.udp_encapsulation && nat_port_ != 0)) {
        // Another transport: a negotiation in progress talks on the old one.
        if (kept.initiator) end_negotiation(kept);
        kept.responder.reset();
        kept.negotiate_at = now;
      }
    }
    set_udp(*routes[j], r);
    Route& route = *routes[j];
    route.loopback = route.gateway == identity_;
    sas_.set_gateway(j, route.gateway);
    by_spi_[route.route_spi] = &route;
    route.scheduled = base::kNever;
    route.waiting = false;
  }
  routes_ = std::move(routes);
  for (auto& route : routes_)
    schedule(*route, now);
}

}  // namespace strait::keymanager
