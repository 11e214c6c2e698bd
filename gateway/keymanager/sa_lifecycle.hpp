#pragma once
// The SAs of one route on one queue over time (PROTOCOL.md 2.4): one active
// outbound SA, a newly negotiated one activated only after 1.5 x
// negotiation-ttl when one is already active (so the peer has installed the
// matching inbound SA and rekeying loses nothing), up to four inbound SAs
// (newest first, the oldest dropped beyond that), every SA expiring sa-ttl
// after its negotiation. Installs into and removes from the data plane's
// SaDatabase; owns nothing secret itself except a pending outbound SA's
// parameters, kept in locked memory until activation.

#include <cstdint>
#include <deque>
#include <optional>

#include "base/clock.hpp"
#include "base/locked_pool.hpp"
#include "esp/security_association.hpp"
#include "keymanager/spi_allocator.hpp"
#include "state/counters.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::keymanager {

struct LifecycleSettings {
  base::Nanoseconds sa_ttl;
  base::Nanoseconds activation_delay;  // 1.5 x negotiation-ttl
};

class SaLifecycle {
 public:
  static constexpr std::size_t kMaxInbound = 4;

  SaLifecycle(std::uint32_t route, const LifecycleSettings& settings, tunnel::SaDatabase& sas,
              SpiAllocator& spis, base::LockedPool<esp::SaParameters>& secrets,
              state::KeyManagerCounters& counters)
      : route_(route),
        settings_(settings),
        sas_(sas),
        spis_(spis),
        secrets_(secrets),
        counters_(counters) {}
  ~SaLifecycle() { clear(); }
  SaLifecycle(const SaLifecycle&) = delete;
  SaLifecycle& operator=(const SaLifecycle&) = delete;

  // A completed exchange. Either side may be absent (the loopback case of
  // PROTOCOL.md 2.4). The inbound SPI must come from the SpiAllocator.
  // False if the data plane had no memory for an SA (nothing half done is
  // left behind).
  bool install(const esp::SaParameters* inbound, const esp::SaParameters* outbound,
               base::Nanoseconds now);

  // Activates due pending SAs, expires old ones. Returns the next time
  // something is due (base::kNever if nothing is).
  base::Nanoseconds run(base::Nanoseconds now);
  // When run() next has something to do (base::kNever: nothing).
  base::Nanoseconds next_due() const noexcept;

  bool has_outbound() const noexcept { return active_expires_ != 0 || pending_ != nullptr; }
  std::size_t inbound_count() const noexcept { return inbound_.size(); }
  // For state reports: when the inbound SA `spi` of this route expires (0:
  // not one of ours), and when the active outbound SA does (0: none).
  base::Nanoseconds inbound_expires(std::uint32_t spi) const noexcept {
    for (const Inbound& i : inbound_)
      if (i.spi == spi) return i.expires;
    return 0;
  }
  base::Nanoseconds outbound_expires() const noexcept { return active_expires_; }

  // Removes every SA of the route from the data plane.
  void clear();

  void set_route(std::uint32_t route) noexcept { route_ = route; }
  // New lifetimes apply to SAs installed from now on.
  void set_settings(const LifecycleSettings& settings) noexcept { settings_ = settings; }

 private:
  struct Inbound {
    std::uint32_t spi;
    base::Nanoseconds expires;
  };
  void drop_inbound_front_beyond_limit();

  std::uint32_t route_;
  LifecycleSettings settings_;
  tunnel::SaDatabase& sas_;
  SpiAllocator& spis_;
  base::LockedPool<esp::SaParameters>& secrets_;
  state::KeyManagerCounters& counters_;

  std::deque<Inbound> inbound_;           // newest first
  base::Nanoseconds active_expires_ = 0;  // 0: no active outbound SA
  base::LockedPool<esp::SaParameters>::Pointer pending_{nullptr, {&secrets_}};
  base::Nanoseconds pending_activates_ = 0;
  base::Nanoseconds pending_expires_ = 0;
};

}  // namespace strait::keymanager
