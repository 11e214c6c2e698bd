#include "tunnel/sa_database.hpp"

#include <algorithm>
#include <bit>

namespace strait::tunnel {

void SaDatabase::set_route_count(std::size_t routes) {
  routes_.resize(routes);
  configured_.resize(routes);
}

void SaDatabase::set_gateway(std::uint32_t route, const net::Address& gateway) {
  Route& r = routes_.at(route);
  Configured& c = configured_.at(route);
  // A learned endpoint (NAT traversal) stays while the configured gateway
  // does.
  if (c.gateway == gateway) return;
  c.gateway = gateway;
  r.gateway = gateway;
  r.udp_port = c.port;
}

void SaDatabase::set_udp_encapsulation(std::uint32_t route, std::uint16_t peer_port) {
  Route& r = routes_.at(route);
  Configured& c = configured_.at(route);
  if (c.port == peer_port) return;  // unchanged: keep what was learned
  c.port = peer_port;
  r.udp_port = peer_port;
  r.gateway = c.gateway;
}

bool SaDatabase::set_outbound(std::uint32_t route, const esp::SaParameters& parameters,
                              std::uint64_t initial_sequence) {
  auto sa = outbound_pool_.make(engine_, parameters, initial_sequence);
  if (!sa) return false;
  routes_.at(route).outbound = std::move(sa);
  return true;
}

void SaDatabase::remove_outbound(std::uint32_t route) {
  routes_.at(route).outbound.reset();
}

void SaDatabase::remap_routes(std::span<const std::uint32_t> new_index, std::size_t route_count) {
  std::vector<Route> routes(route_count);
  std::vector<Configured> configured(route_count);
  for (std::size_t i = 0; i < routes_.size() && i < new_index.size(); ++i)
    if (new_index[i] != kRemoved) {
      routes.at(new_index[i]) = std::move(routes_[i]);
      configured.at(new_index[i]) = configured_[i];
    }
  routes_ = std::move(routes);  // the outbound SAs of removed routes die here
  configured_ = std::move(configured);
  std::vector<std::uint32_t> removed;
  for (auto& [spi, e] : inbound_) {
    const std::uint32_t moved = e.route < new_index.size() ? new_index[e.route] : kRemoved;
    if (moved == kRemoved)
      removed.push_back(spi);
    else
      e.route = moved;
  }
  for (std::uint32_t spi : removed)
    remove_inbound(spi);
  if (!inbound_.empty()) rebuild_index();  // the slots' routes
}

bool SaDatabase::add_inbound(std::uint32_t route, const esp::SaParameters& parameters) {
  if (inbound(parameters.spi) != nullptr) return false;
  auto sa = inbound_pool_.make(engine_, parameters);
  if (!sa) return false;
  esp::InboundSa* raw = sa.get();
  inbound_.emplace(parameters.spi, Inbound{route, std::move(sa)});
  if (inbound_.size() * 2 > slots_.size()) {
    rebuild_index();  // grow, keeping the load factor at most 1/2
  } else {
    insert_slot(slots_, mask_, raw, route);
  }
  return true;
}

bool SaDatabase::remove_inbound(std::uint32_t spi) {
  const auto it = inbound_.find(spi);
  if (it == inbound_.end()) return false;
  // Linear probing without tombstones: empty the slot, then move back every
  // following entry of the run that the hole would cut off from its home.
  std::size_t hole = hash(spi) & mask_;
  while (slots_[hole].spi != spi)
    hole = (hole + 1) & mask_;
  slots_[hole] = Slot{};
  for (std::size_t i = (hole + 1) & mask_; slots_[i].spi != 0; i = (i + 1) & mask_) {
    const std::size_t home = hash(slots_[i].spi) & mask_;
    // Move i into the hole if its home is not within (hole, i] cyclically.
    const bool home_after_hole = ((i - home) & mask_) < ((i - hole) & mask_);
    if (!home_after_hole) {
      slots_[hole] = slots_[i];
      slots_[i] = Slot{};
      hole = i;
    }
  }
  inbound_.erase(it);
  return true;
}

void SaDatabase::insert_slot(std::vector<Slot>& slots, std::size_t mask, esp::InboundSa* sa,
                             std::uint32_t route) {
  std::size_t i = hash(sa->spi()) & mask;
  while (slots[i].spi != 0)
    i = (i + 1) & mask;
  slots[i] = {sa->spi(), route, sa};
}

// Load factor at most 1/2, so probes stay short and an empty slot always
// ends a miss.
void SaDatabase::rebuild_index() {
  const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, inbound_.size() * 2));
  std::vector<Slot> slots(capacity);
  const std::size_t mask = capacity - 1;
  for (const auto& [spi, e] : inbound_)
    insert_slot(slots, mask, e.sa.get(), e.route);
  slots_ = std::move(slots);
  mask_ = mask;
}

}  // namespace strait::tunnel
