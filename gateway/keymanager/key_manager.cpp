#include "keymanager/key_manager.hpp"

#include <algorithm>

#include "base/log.hpp"
#include "exchange/aes_gcm.hpp"
#include "exchange/messages.hpp"
#include "keymanager/datagram.hpp"

namespace strait::keymanager {

namespace {

using exchange::MessageType;

esp::SaParameters parameters_of(const exchange::SaKeys& keys) {
  return {keys.spi, keys.key, keys.salt};
}

}  // namespace

KeyManager::Route::Route(std::uint32_t index_, const config::Route& route,
                         const net::Address& gateway_, const LifecycleSettings& settings,
                         SaInstaller& sas, SpiAllocator& spis,
                         base::LockedPool<esp::SaParameters>& secrets,
                         state::KeyManagerCounters& counters, base::LockedPool<Psk>& psks)
    : index(index_),
      id(route.id),
      route_spi(route.spi),
      gateway(gateway_),
      loopback(false),
      psk(psks.make()),
      lifecycle(index_, settings, sas, spis, secrets, counters) {
  // From the configuration's secure heap straight into the locked pool.
  if (psk) std::copy_n(route.preshared_key.data(), psk->size(), psk->data());
}

base::Result<std::unique_ptr<KeyManager>> KeyManager::create(const config::GatewayConfig& config,
                                                             std::uint16_t queue, SaInstaller& sas,
                                                             const base::Clock& clock,
                                                             base::Random& random) {
  if (!exchange::aes_gcm_available())
    return base::Error{
        "key exchange: this CPU has no AES-NI, which AES-256-GCM (libsodium) needs; run with "
        "data-plane SAs or on another machine"};
  const config::PublicInterface* own = config.public_interface(queue);
  if (own == nullptr)
    return base::Error{"no public interface serves queue " + std::to_string(queue)};
  std::unique_ptr<KeyManager> km(new KeyManager(config, *own, sas, clock, random));
  const LifecycleSettings settings{km->sa_ttl_, km->negotiation_ttl_ * 3 / 2};
  const base::Nanoseconds now = clock.now();
  for (std::uint32_t i = 0; i < config.routes.size(); ++i) {
    const config::Route& r = config.routes[i];
    auto route = std::make_unique<Route>(i, r, r.gateway_for(queue), settings, sas, km->spis_,
                                         km->pending_secrets_, km->counters_, km->psks_);
    if (!route->psk) return base::Error{"cannot lock memory for the pre-shared key of " + r.id};
    route->loopback = route->gateway == km->identity_;
    km->set_udp(*route, r);
    route->negotiate_at = now;
    km->by_spi_[r.spi] = route.get();
    km->routes_.push_back(std::move(route));
    km->schedule(*km->routes_.back(), now);
  }
  return km;
}

KeyManager::KeyManager(const config::GatewayConfig& config, const config::PublicInterface& queue,
                       SaInstaller& sas, const base::Clock& clock, base::Random& random)
    : queue_(queue.queue),
      family_(queue.ip.family),  // the key exchange runs over the public interface's family
      public_ip_(queue.ip),
      identity_(queue.identity()),
      port_(config.protocol_port),
      nat_port_(config.uses_udp_encapsulation() ? config.nat_traversal.port : 0),
      negotiation_ttl_(config.negotiation_ttl * base::kSecond),
      sa_ttl_(config.sa_ttl * base::kSecond),
      sas_(sas),
      clock_(clock),
      random_(random),
      spis_(random) {}

KeyManager::~KeyManager() = default;

std::size_t KeyManager::routes_with_outbound_sa() const noexcept {
  std::size_t n = 0;
  for (const auto& r : routes_)
    n += r->lifecycle.has_active_outbound();
  return n;
}

KeyManager::RouteTimes KeyManager::route_times(std::uint32_t route) const noexcept {
  for (const auto& r : routes_)
    if (r->index == route)
      return {r->lifecycle.outbound_expires(), r->initiator ? 0 : r->negotiate_at};
  return {};
}

base::Nanoseconds KeyManager::inbound_expires(std::uint32_t route,
                                              std::uint32_t spi) const noexcept {
  for (const auto& r : routes_)
    if (r->index == route) return r->lifecycle.inbound_expires(spi);
  return 0;
}

void KeyManager::poll(io::SpscRing& control, io::Port& port, io::Link& out) noexcept {
  const base::Nanoseconds now = clock_.now();
  io::Packet* batch[kMessagesPerPoll];
  const std::size_t n = control.pop(batch, kMessagesPerPoll);
  for (std::size_t i = 0; i < n; ++i) {
    receive(batch[i], port, out, now);
    port.release(batch[i]);
  }
  while (!timers_.empty() && timers_.top().at <= now) {
    const Timer t = timers_.top();
    timers_.pop();
    Route& route = *routes_[t.route];
    if (route.scheduled != t.at) continue;  // superseded by a later schedule()
    route.scheduled = base::kNever;
    run(route, now);
  }
  start_waiting(port, out, now);
}

base::Nanoseconds KeyManager::next_due() const noexcept {
  base::Nanoseconds due = timers_.empty() ? base::kNever : timers_.top().at;
  if (!waiting_.empty() && in_flight_ < kConcurrentNegotiations)
    due = std::min(due, initiation_limit_.next_allowed());
  return due;
}

// Starts the negotiations of waiting routes while slots and the initiation
// pace allow.
void KeyManager::start_waiting(io::Port& port, io::Link& out, base::Nanoseconds now) {
  while (!waiting_.empty() && in_flight_ < kConcurrentNegotiations) {
    Route& route = *routes_[waiting_.front()];
    if (route.initiator || now < route.negotiate_at) {  // no longer due
      route.waiting = false;
      waiting_.pop_front();
      schedule(route, now);
      continue;
    }
    if (!initiation_limit_.allow(now)) break;
    route.waiting = false;
    waiting_.pop_front();
    route.initiator = std::make_unique<exchange::Initiator>(route.route_spi, *route.psk, identity_,
                                                            route.gateway, random_);
    ++in_flight_;
    route.initiator_deadline = now + negotiation_ttl_;
    send(route, route.initiator->knock(), port, out);
    ++counters_.negotiations_initiated;
    schedule(route, now);
  }
}

void KeyManager::count(exchange::Error error) {
  switch (error) {
    case exchange::Error::kProtocol:
      ++counters_.protocol_errors;
      break;
    case exchange::Error::kVersion:
      ++counters_.version_errors;
      break;
    case exchange::Error::kParameter:
      ++counters_.parameter_errors;
      break;
    case exchange::Error::kAuthentication:
      ++counters_.authentication_errors;
      break;
    case exchange::Error::kPublicKey:
      ++counters_.public_key_errors;
      break;
    case exchange::Error::kRoute:
      ++counters_.route_errors;
      break;
    case exchange::Error::kUnsupported:
      break;  // refused at create()
  }
}

void KeyManager::receive(io::Packet* p, io::Port& port, io::Link& out, base::Nanoseconds now) {
  // Cheap checks first: none of them costs a token of the rate limit.
  const auto datagram = read_datagram(p, family_, port_, nat_port_);
  if (!datagram) {
    ++counters_.protocol_errors;
    return;
  }
  const auto message = exchange::parse_message(datagram->payload);
  if (!message) {
    count(message.error());
    return;
  }
  const auto found = by_spi_.find(message->route_spi);
  if (found == by_spi_.end()) {
    ++counters_.route_errors;
    return;
  }
  Route& route = *found->second;
  // Only the route's gateway negotiates with us on this queue (the
  // prologue would make anyone else fail authentication anyway). A route
  // with udp-encapsulation talks on the nat-traversal port only, and its
  // peer may be behind a NAT: any source, authentication decides.
  if (datagram->marked != route.udp || (!route.udp && datagram->source != route.gateway)) {
    ++counters_.protocol_errors;
    return;
  }
  const MessageType type = message->type;
  const bool expected =
      type == MessageType::kKnock ||
      (type == MessageType::kProposal && route.responder != nullptr) ||
      (type == MessageType::kChallenge && route.initiator != nullptr &&
       route.initiator->state() == exchange::Initiator::State::kAwaitingChallenge) ||
      (type == MessageType::kAgreement && route.initiator != nullptr &&
       route.initiator->state() == exchange::Initiator::State::kAwaitingAgreement);
  if (!expected) {
    ++counters_.protocol_errors;
    return;
  }
  if (!inbound_limit_.allow(now)) {
    ++counters_.rxerrors;
    return;
  }

  const std::span<const std::uint8_t> payload = datagram->payload;
  switch (type) {
    case MessageType::kKnock: {
      const bool fresh = !route.responder;
      if (fresh)
        route.responder = std::make_unique<exchange::Responder>(route.route_spi, *route.psk,
                                                                identity_, route.gateway, random_);
      const auto challenge = route.responder->on_knock(payload);
      if (!challenge) {
        // A rejected knock changes nothing: no responder is left behind
        // to make a later proposal look expected.
        if (fresh) route.responder.reset();
        count(challenge.error());
        break;
      }
      route.responder_expires = now + 2 * negotiation_ttl_;
      const Reply to{datagram->source, datagram->source_port};
      send(route, challenge.value(), port, out, &to);
      ++counters_.challenges_offered;
      break;
    }
    case MessageType::kProposal: {
      const std::uint32_t rx_spi = spis_.allocate();
      auto agreement = route.responder->on_proposal(payload, rx_spi);
      if (!agreement) {
        spis_.release(rx_spi);
        count(agreement.error());
        break;
      }
      learn(route, datagram->source, datagram->source_port);  // the proposal verified
      send(route, agreement->payload, port, out);
      ++counters_.keypairs_offered;
      route.responder.reset();  // wipes the handshake; the next one gets a new nonce
      completed(route, agreement->sas, false, now);
      break;
    }
    case MessageType::kChallenge: {
      const std::uint32_t rx_spi = spis_.allocate();
      const auto proposal = route.initiator->on_challenge(payload, rx_spi);
      if (!proposal) {
        spis_.release(rx_spi);
        count(proposal.error());
        break;
      }
      route.initiator_rx_spi = rx_spi;
      route.initiator_deadline = now + negotiation_ttl_;
      route.awaiting_agreement = true;
      ++awaiting_agreement_;
      send(route, proposal.value(), port, out);
      ++counters_.challenges_accepted;
      break;
    }
    case MessageType::kAgreement: {
      const auto sas = route.initiator->on_agreement(payload);
      if (!sas) {
        count(sas.error());
        break;  // still waiting: a forged agreement cannot abort the exchange
      }
      ++counters_.keypairs_negotiated;
      learn(route, datagram->source, datagram->source_port);  // the agreement verified
      route.initiator_rx_spi = 0;  // now owned by the SA (or released below)
      end_negotiation(route);
      completed(route, sas.value(), true, now);
      break;
    }
  }
  schedule(route, now);
}

// Installs the SAs of a completed exchange. In the loopback case the
// responder keeps only the inbound SA and the initiator only the outbound
// one (PROTOCOL.md 2.4), so the pair is not installed twice.
void KeyManager::completed(Route& route, const exchange::SaPair& sas, bool initiator,
                           base::Nanoseconds now) {
  const esp::SaParameters inbound = parameters_of(sas.inbound);
  const esp::SaParameters outbound = parameters_of(sas.outbound);
  const bool want_inbound = !(route.loopback && initiator);
  const bool want_outbound = !(route.loopback && !initiator);
  if (!want_inbound) spis_.release(sas.inbound.spi);
  if (!route.lifecycle.install(want_inbound ? &inbound : nullptr,
                               want_outbound ? &outbound : nullptr, now)) {
    if (want_inbound) spis_.release(sas.inbound.spi);
    log(base::LogLevel::kError,
        "AKE for '" + route.id + "' completed, but the SAs could not be installed (out of memory)");
    return;
  }
  if (want_outbound) {
    // Renegotiate after half the lifetime plus up to an eighth of jitter.
    const auto jitter_range = static_cast<std::uint32_t>(sa_ttl_ / 8 / base::kMillisecond) + 1;
    route.negotiate_at = now + sa_ttl_ / 2 + random_.uniform(jitter_range) * base::kMillisecond;
  }
  // Vita's words; SPIs only, never key material.
  if (want_inbound && want_outbound)
    log(base::LogLevel::kInfo, "Completed AKE for '" + route.id + "' (inbound SA " +
                                   std::to_string(sas.inbound.spi) + ", outbound SA " +
                                   std::to_string(sas.outbound.spi) + ")");
  else if (want_inbound)
    log(base::LogLevel::kInfo, "Completed AKE for '" + route.id + "' (inbound SA " +
                                   std::to_string(sas.inbound.spi) + ")");
  else
    log(base::LogLevel::kInfo, "Completed AKE for '" + route.id + "' (outbound SA " +
                                   std::to_string(sas.outbound.spi) + ")");
}

void KeyManager::end_negotiation(Route& route) {
  if (route.initiator_rx_spi != 0) spis_.release(route.initiator_rx_spi);
  route.initiator_rx_spi = 0;
  if (route.awaiting_agreement) --awaiting_agreement_;
  route.awaiting_agreement = false;
  route.initiator.reset();  // wipes the ephemeral key and handshake state
  route.initiator_deadline = 0;
  --in_flight_;
}

void KeyManager::run(Route& route, base::Nanoseconds now) {
  route.lifecycle.run(now);
  if (route.initiator && now >= route.initiator_deadline) {
    ++counters_.negotiations_expired;
    log(base::LogLevel::kWarning, "Negotiation for '" + route.id + "' expired (queue " +
                                      std::to_string(queue_) + ": no answer from " +
                                      route.gateway.to_string() + " within negotiation-ttl)");
    end_negotiation(route);
    route.negotiate_at = now;  // try again
  }
  if (route.responder && now >= route.responder_expires) route.responder.reset();
  // Without an outbound SA (expired, never negotiated) negotiate now.
  if (!route.lifecycle.has_outbound() && route.negotiate_at > now && !route.loopback)
    route.negotiate_at = now;
  if (!route.initiator && !route.waiting && now >= route.negotiate_at) {
    waiting_.push_back(route.index);  // start_waiting() knocks when its turn comes
    route.waiting = true;
  }
  schedule(route, now);
}

// (Re)arms the route's timer at its earliest deadline.
void KeyManager::schedule(Route& route, base::Nanoseconds now) {
  base::Nanoseconds next = route.lifecycle.next_due();
  if (route.initiator) next = std::min(next, route.initiator_deadline);
  if (route.responder) next = std::min(next, route.responder_expires);
  if (!route.initiator && !route.waiting) next = std::min(next, std::max(route.negotiate_at, now));
  if (next == base::kNever || next == route.scheduled) return;
  route.scheduled = next;
  timers_.push({next, route.index});
}

void KeyManager::send(const Route& route, std::span<const std::uint8_t> payload, io::Port& port,
                      io::Link& out, const Reply* to) {
  io::Packet* p = port.allocate();
  if (p == nullptr) return;  // out of frames: the peer's timeout recovers
  if (route.udp)
    write_marked_datagram(p, public_ip_, to ? to->address : route.endpoint, nat_port_,
                          to ? to->port : route.endpoint_port, payload);
  else
    write_datagram(p, public_ip_, route.gateway, port_, payload);
  out.push(p);
}

void KeyManager::learn(Route& route, const net::Address& address, std::uint16_t port) {
  if (!route.udp || address.family != family_ ||
      (address == route.endpoint && port == route.endpoint_port))
    return;
  route.endpoint = address;
  route.endpoint_port = port;
  sas_.set_endpoint(route.index, address, port);
  log(base::LogLevel::kInfo, "Peer of '" + route.id + "' (queue " + std::to_string(queue_) +
                                 ") now at " + address.to_string() + " port " +
                                 std::to_string(port) + " (authenticated key exchange)");
}

// The route's transport as configured; a change (or another gateway)
// starts its endpoint over from the configuration.
void KeyManager::set_udp(Route& route, const config::Route& configured) {
  const bool udp = configured.udp_encapsulation && nat_port_ != 0;
  if (udp == route.udp && (!udp || route.endpoint_port != 0)) return;
  route.udp = udp;
  route.endpoint = route.gateway;
  route.endpoint_port = udp ? nat_port_ : 0;
}

// Through base/log.hpp (timestamp, instance name), limited per key manager
// as ever: 20 lines a second on its clock (simulated time in tests).
void KeyManager::log(base::LogLevel level, const std::string& message) {
  if (!log_limit_.allow(clock_.now())) return;
  base::write_log_line(level, message);
}

}  // namespace strait::keymanager
