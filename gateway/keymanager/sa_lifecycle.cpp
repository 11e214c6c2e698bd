#include "keymanager/sa_lifecycle.hpp"

#include <algorithm>

namespace strait::keymanager {

bool SaLifecycle::install(const esp::SaParameters* inbound, const esp::SaParameters* outbound,
                          base::Nanoseconds now) {
  const base::Nanoseconds expires = now + settings_.sa_ttl;
  if (inbound != nullptr) {
    if (!sas_.add_inbound(route_, *inbound)) return false;
    inbound_.push_front({inbound->spi, expires});
    while (inbound_.size() > kMaxInbound) {
      sas_.remove_inbound(inbound_.back().spi);
      spis_.release(inbound_.back().spi);
      inbound_.pop_back();
    }
  }
  if (outbound != nullptr) {
    if (active_expires_ == 0) {
      if (!sas_.set_outbound(route_, *outbound)) return false;
      active_expires_ = expires;
    } else {
      // One is active: the new one waits until the peer surely has its
      // inbound half.
      auto pending = secrets_.make(*outbound);
      if (!pending) return false;
      pending_ = std::move(pending);
      pending_activates_ = now + settings_.activation_delay;
      pending_expires_ = expires;
    }
  }
  return true;
}

base::Nanoseconds SaLifecycle::run(base::Nanoseconds now) {
  if (pending_ && now >= pending_activates_) {
    if (sas_.set_outbound(route_, *pending_)) {
      ++counters_.outbound_sa_updated;
      active_expires_ = pending_expires_;
    }
    pending_.reset();
  }
  if (active_expires_ != 0 && now >= active_expires_) {
    ++counters_.outbound_sa_expired;
    // A newer SA waiting out its activation delay takes over at once: the
    // route is never left without one (the peer installed its inbound half
    // when it agreed; at worst a few packets meet it before it does).
    if (pending_ && sas_.set_outbound(route_, *pending_)) {
      ++counters_.outbound_sa_updated;
      active_expires_ = pending_expires_;
      pending_.reset();
    } else {
      sas_.remove_outbound(route_);
      active_expires_ = 0;
    }
  }
  while (!inbound_.empty() && now >= inbound_.back().expires) {
    sas_.remove_inbound(inbound_.back().spi);
    spis_.release(inbound_.back().spi);
    inbound_.pop_back();
    ++counters_.inbound_sa_expired;
  }
  return next_due();
}

base::Nanoseconds SaLifecycle::next_due() const noexcept {
  base::Nanoseconds next = base::kNever;
  if (pending_) next = std::min(next, pending_activates_);
  if (active_expires_ != 0) next = std::min(next, active_expires_);
  if (!inbound_.empty()) next = std::min(next, inbound_.back().expires);
  return next;
}

void SaLifecycle::clear() {
  for (const Inbound& i : inbound_) {
    sas_.remove_inbound(i.spi);
    spis_.release(i.spi);
  }
  inbound_.clear();
  if (active_expires_ != 0) sas_.remove_outbound(route_);
  active_expires_ = 0;
  pending_.reset();
}

}  // namespace strait::keymanager
