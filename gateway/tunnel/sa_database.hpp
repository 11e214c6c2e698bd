#pragma once
// The SAs of one worker (queue): the outbound SA and peer gateway of every
// route, and inbound SAs by SPI. Owned and mutated by the worker's thread
// only (configuration, and the key manager: directly when it runs on that
// thread, through keymanager::SaUpdateQueue when it runs on a thread of
// its own), read by the data path with
// no locks: outbound by route index, inbound through an open-addressing
// hash table that never allocates on lookup.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "base/locked_pool.hpp"
#include "esp/engine.hpp"
#include "esp/security_association.hpp"
#include "net/address.hpp"

namespace strait::tunnel {

class SaDatabase {
 public:
  explicit SaDatabase(esp::Engine& engine) : engine_(engine) {}

  // Control path. Routes are indexed 0..n-1 in configuration order.
  void set_route_count(std::size_t routes);
  void set_gateway(std::uint32_t route, const net::Address& gateway);
  // NAT traversal (docs/NAT-TRAVERSAL.md). `peer_port` 0: the route sends
  // plain ESP (as Vita); else ESP in UDP from `local_port` to the peer's
  // endpoint, which starts as (gateway, peer_port) and then follows what
  // learn_endpoint() reports. Reconfiguration keeps a learned endpoint
  // while the route's gateway and encapsulation stay.
  void set_udp_encapsulation(std::uint32_t route, std::uint16_t peer_port);
  // Installs (replacing any previous) the outbound SA of a route, its first
  // packet numbered `initial_sequence`. False if no memory could be mapped
  // for it (nothing changes then).
  bool set_outbound(std::uint32_t route, const esp::SaParameters& parameters,
                    std::uint64_t initial_sequence = 1);
  void remove_outbound(std::uint32_t route);
  // Adds an inbound SA; false if its SPI is already installed or no memory
  // could be mapped for it.
  bool add_inbound(std::uint32_t route, const esp::SaParameters& parameters);
  bool remove_inbound(std::uint32_t spi);

  // Reconfiguration: route i becomes route new_index[i] (kRemoved: its SAs
  // are destroyed); there are `route_count` routes afterwards. SAs of kept
  // routes stay where they are, with their sequence numbers and windows.
  static constexpr std::uint32_t kRemoved = ~0u;
  void remap_routes(std::span<const std::uint32_t> new_index, std::size_t route_count);

  // Data path.
  esp::OutboundSa* outbound(std::uint32_t route) const noexcept {
    return routes_[route].outbound.get();
  }
  const net::Address& gateway(std::uint32_t route) const noexcept { return routes_[route].gateway; }
  // The peer's UDP port for ESP in UDP; 0: plain ESP.
  std::uint16_t udp_port(std::uint32_t route) const noexcept { return routes_[route].udp_port; }
  // Bytes the route's encapsulation adds beyond Vita's (the UDP header):
  // its packets' inner size bound is mtu minus this.
  std::uint16_t extra_overhead(std::uint32_t route) const noexcept {
    return routes_[route].udp_port != 0 ? 8 : 0;
  }
  // An authenticated packet (key-exchange message that verified, ESP that
  // passed its ICV and replay check) of a UDP-encapsulated route came from
  // (address, port): the route's packets go there from now on. Ignored for
  // plain-ESP routes and for an address of the other family. Returns true
  // when the endpoint changed (counted in endpoint_changes()).
  bool learn_endpoint(std::uint32_t route, const net::Address& address,
                      std::uint16_t port) noexcept {
    Route& r = routes_[route];
    if (r.udp_port == 0 || port == 0 || address.family != r.gateway.family) return false;
    if (r.udp_port == port && r.gateway == address) return false;
    r.gateway = address;
    r.udp_port = port;
    ++endpoint_changes_;
    return true;
  }
  std::uint64_t endpoint_changes() const noexcept { return endpoint_changes_; }
  esp::InboundSa* inbound(std::uint32_t spi) const noexcept { return find_slot(spi).sa; }
  // The inbound SA of `spi` and its route, from one lookup (sa null: none).
  struct InboundMatch {
    esp::InboundSa* sa;
    std::uint32_t route;
  };
  InboundMatch inbound_match(std::uint32_t spi) const noexcept {
    const Slot& s = find_slot(spi);
    return {s.sa, s.route};
  }

  // Starts loading the hash-table slot where inbound(spi) begins looking:
  // with thousands of SAs the table is not in cache, and lookups of a
  // burst overlap only if their slots were asked for first.
  void prefetch_inbound(std::uint32_t spi) const noexcept {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash(spi) & mask_], 0, 2);
  }

  std::size_t route_count() const noexcept { return routes_.size(); }
  std::size_t inbound_count() const noexcept { return inbound_.size(); }
  // For state reporting: every inbound SA.
  template <class F>
  void for_each_inbound(F&& f) const {
    for (const auto& [spi, e] : inbound_)
      f(e.route, *e.sa);
  }

 private:
  // What the data path reads per packet: 40 bytes, as many as before NAT
  // traversal (udp_port fits in the address's padding).
  struct Route {
    net::Address gateway;        // where the route's packets go
    std::uint16_t udp_port = 0;  // NAT traversal: the peer's port; 0: plain ESP
    base::LockedPool<esp::OutboundSa>::Pointer outbound;
  };
  // Control path only: the route's gateway and UDP port as configured
  // (set_gateway, set_udp_encapsulation), what a learned endpoint started from.
  struct Configured {
    net::Address gateway;
    std::uint16_t port = 0;
  };
  struct Inbound {
    std::uint32_t route;
    base::LockedPool<esp::InboundSa>::Pointer sa;
  };
  struct Slot {
    std::uint32_t spi = 0;  // 0: empty (SPIs are >= 256)
    std::uint32_t route = 0;
    esp::InboundSa* sa = nullptr;
  };
  static std::size_t hash(std::uint32_t spi) noexcept { return (spi * 0x9e3779b1u) >> 8; }
  // The slot of `spi`, or an empty one (sa null) when it is not installed.
  const Slot& find_slot(std::uint32_t spi) const noexcept {
    static constexpr Slot kNone{};
    if (slots_.empty()) return kNone;
    for (std::size_t i = hash(spi) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.spi == spi || s.spi == 0) return s;
    }
  }
  static void insert_slot(std::vector<Slot>& slots, std::size_t mask, esp::InboundSa* sa,
                          std::uint32_t route);
  void rebuild_index();

  esp::Engine& engine_;
  // SAs (key schedules) live in locked, wiped memory; the pools outlive the
  // pointers below, which are destroyed first.
  base::LockedPool<esp::OutboundSa> outbound_pool_;
  base::LockedPool<esp::InboundSa> inbound_pool_;
  std::vector<Route> routes_;
  std::vector<Configured> configured_;        // by route, as routes_
  static_assert(sizeof(Route) == 40);         // as without NAT traversal
  std::map<std::uint32_t, Inbound> inbound_;  // by SPI: ordered reports
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::uint64_t endpoint_changes_ = 0;
};

}  // namespace strait::tunnel
