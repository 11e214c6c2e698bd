#pragma once
// The key manager of one queue (PROTOCOL.md 2.2, 2.4): for every route it
// runs a vita-ske initiator and responder against the route's gateway for
// this queue, installs the negotiated SAs into the queue's data plane
// (tunnel::SaDatabase, through an SaInstaller) and retires them: rekeying
// at about half of sa-ttl, activation delay, up to four inbound SAs,
// expiry. Where it runs is the worker's choice (worker::KeyExchangeHosting):
// on the worker's thread between packet batches, installing SAs directly
// (tests, benchmark, simulator), or on a key-exchange thread of its own
// (strait run), talking to the worker only through single-producer
// single-consumer queues: the control queue in, a queue of datagrams out,
// and an SaUpdateQueue that the worker applies between batches. Either way
// SAs change between batches and the data plane never waits for it.
//
// Denial of service: inbound messages are first checked cheaply (UDP
// checksum, exact length, known route, sent by the route's gateway,
// expected in the current state); only those that pass are processed, at
// most 100 per second. A route with udp-encapsulation (NAT traversal,
// docs/NAT-TRAVERSAL.md) talks on the nat-traversal port behind the
// non-ESP marker and takes messages from any address and port (its peer
// may be behind a NAT); it learns where the peer is from a verified
// proposal or agreement only, and tells the data path (SaInstaller).
// Handshake objects exist only while a negotiation runs, so their secrets
// are wiped after every exchange and memory stays bounded whatever
// arrives.

#include <cstdint>
#include <deque>
#include <memory>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.hpp"
#include "base/locked_pool.hpp"
#include "base/log.hpp"
#include "base/random.hpp"
#include "base/rate_limit.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "exchange/initiator.hpp"
#include "exchange/responder.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "io/spsc_ring.hpp"
#include "keymanager/sa_installer.hpp"
#include "keymanager/sa_lifecycle.hpp"
#include "keymanager/spi_allocator.hpp"
#include "state/counters.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::keymanager {

class KeyManager {
 public:
  static constexpr std::uint32_t kMessagesPerSecond = 100;  // PROTOCOL.md 2.4
  // At least the worker's receive burst (64): a poll takes off the control
  // queue as many messages as one receive can put on it, so a flood that
  // fails the cheap checks never fills the queue and crowds out a genuine
  // message (past the cheap checks the 100 per second bound applies).
  static constexpr std::size_t kMessagesPerPoll = 64;
  // Negotiations this queue initiates at once, and new ones per second;
  // the rest wait their turn in order. An exchange costs each side two
  // inbound messages, so with both sides initiating at this pace neither
  // exceeds the peer's 100 messages per second.
  static constexpr std::size_t kConcurrentNegotiations = 32;
  static constexpr std::uint32_t kInitiationsPerSecond = 20;

  // Routes are those of `config`, indexed as in the SaDatabase that `sas`
  // installs into.
  static base::Result<std::unique_ptr<KeyManager>> create(const config::GatewayConfig& config,
                                                          std::uint16_t queue, SaInstaller& sas,
                                                          const base::Clock& clock,
                                                          base::Random& random);
  ~KeyManager();

  // Handles up to kMessagesPerPoll messages from `control` (releasing them)
  // and every due timer. Messages to send are pushed onto `out` with room
  // for the Ethernet header, allocated from `port`.
  void poll(io::SpscRing& control, io::Port& port, io::Link& out) noexcept;

  // Reconfiguration (PROTOCOL.md 2.4): old route i becomes route
  // new_index[i] of `config`, keeping its SAs and any negotiation in
  // progress, or is destroyed with its SAs when new_index[i] is
  // tunnel::SaDatabase::kRemoved (the route is gone, or its pre-shared key
  // or route SPI changed). Routes new to `config` start negotiating. Also
  // remaps the SaDatabase. negotiation-ttl and sa-ttl take effect for new
  // SAs.
  void reconfigure(const config::GatewayConfig& config, std::span<const std::uint32_t> new_index);
  // The new_index for reconfigure(): where each current route goes in
  // `config`, matched by route SPI and pre-shared key (compared in constant
  // time), kRemoved where there is no match.
  std::vector<std::uint32_t> route_mapping(const config::GatewayConfig& config) const;

  // When poll() next has timer work: the earliest timer, or the next
  // initiation a waiting route may start (base::kNever: none). It may be
  // early (a superseded timer), never late. Messages on the control queue
  // are the caller's to notice.
  base::Nanoseconds next_due() const noexcept;

  const state::KeyManagerCounters& counters() const noexcept { return counters_; }
  // Routes whose outbound SA on this queue is installed (for tests, top):
  // the key manager's own record (a queued SaInstaller applies it at the
  // worker's next poll).
  std::size_t routes_with_outbound_sa() const noexcept;
  std::size_t negotiations_in_flight() const noexcept { return in_flight_; }
  // For state reports (top): SA lifetimes of route `route` (SaDatabase
  // index). Expiry times are 0 when there is no such SA; rekey_at is when
  // the next negotiation starts, 0 while one runs.
  struct RouteTimes {
    base::Nanoseconds outbound_expires = 0;
    base::Nanoseconds rekey_at = 0;
  };
  RouteTimes route_times(std::uint32_t route) const noexcept;
  base::Nanoseconds inbound_expires(std::uint32_t route, std::uint32_t spi) const noexcept;
  base::Nanoseconds sa_ttl() const noexcept { return sa_ttl_; }
  // Of those, the ones that sent their proposal and await the agreement
  // (the peer answers at once, and its first ESP packets follow).
  std::size_t awaiting_agreement() const noexcept { return awaiting_agreement_; }

 private:
  using Psk = std::array<std::uint8_t, 32>;
  struct Route {
    Route(std::uint32_t index, const config::Route& route, const net::Address& gateway,
          const LifecycleSettings& settings, SaInstaller& sas, SpiAllocator& spis,
          base::LockedPool<esp::SaParameters>& secrets, state::KeyManagerCounters& counters,
          base::LockedPool<Psk>& psks);
    std::uint32_t index;
    std::string id;
    std::uint32_t route_spi;
    net::Address gateway;  // the peer for this queue
    bool loopback;         // the gateway is this queue itself
    // NAT traversal (docs/NAT-TRAVERSAL.md): messages carry the non-ESP
    // marker on nat_port_, go to `endpoint` (the gateway and nat_port_ at
    // first; then where the peer's last authenticated message came from),
    // and may come from any address and port.
    bool udp = false;
    net::Address endpoint;
    std::uint16_t endpoint_port = 0;
    base::LockedPool<Psk>::Pointer psk;
    SaLifecycle lifecycle;
    std::unique_ptr<exchange::Initiator> initiator;  // while negotiating
    base::Nanoseconds initiator_deadline = 0;
    std::uint32_t initiator_rx_spi = 0;              // 0: none allocated
    bool awaiting_agreement = false;                 // the proposal is sent
    std::unique_ptr<exchange::Responder> responder;  // while a peer negotiates
    base::Nanoseconds responder_expires = 0;
    base::Nanoseconds negotiate_at = 0;          // start the next negotiation then
    bool waiting = false;                        // in waiting_, for a negotiation slot
    base::Nanoseconds scheduled = base::kNever;  // its live entry in the timer heap
  };
  struct Timer {
    base::Nanoseconds at;
    std::uint32_t route;
    bool operator>(const Timer& o) const noexcept { return at > o.at; }
  };

  KeyManager(const config::GatewayConfig& config, const config::PublicInterface& queue,
             SaInstaller& sas, const base::Clock& clock, base::Random& random);

  void receive(io::Packet* p, io::Port& port, io::Link& out, base::Nanoseconds now);
  void run(Route& route, base::Nanoseconds now);
  void start_waiting(io::Port& port, io::Link& out, base::Nanoseconds now);
  void schedule(Route& route, base::Nanoseconds now);
  // To the route's peer; a reply to an unauthenticated message of a
  // udp route (a challenge) goes to where that came from instead (`to`),
  // which the route does not learn.
  struct Reply {
    net::Address address;
    std::uint16_t port;
  };
  void send(const Route& route, std::span<const std::uint8_t> payload, io::Port& port,
            io::Link& out, const Reply* to = nullptr);
  // An authenticated message of a udp route came from (address, port).
  void learn(Route& route, const net::Address& address, std::uint16_t port);
  void set_udp(Route& route, const config::Route& configured);
  void completed(Route& route, const exchange::SaPair& sas, bool initiator, base::Nanoseconds now);
  void end_negotiation(Route& route);
  void count(exchange::Error error);

  // Never pass key material.
  void log(base::LogLevel level, const std::string& message);
  base::RateLimit log_limit_{20, base::kSecond};
  std::uint16_t queue_;
  net::Family family_;
  net::Address public_ip_;  // source of what we send
  net::Address identity_;   // nat-ip or ip: who we are in the prologue
  std::uint16_t port_;
  std::uint16_t nat_port_;  // nat-traversal port; 0: no route uses it
  base::Nanoseconds negotiation_ttl_;
  base::Nanoseconds sa_ttl_;
  SaInstaller& sas_;
  const base::Clock& clock_;
  base::Random& random_;

  state::KeyManagerCounters counters_;
  SpiAllocator spis_;
  base::LockedPool<Psk> psks_;
  base::LockedPool<esp::SaParameters> pending_secrets_;
  std::vector<std::unique_ptr<Route>> routes_;
  std::unordered_map<std::uint32_t, Route*> by_spi_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::size_t in_flight_ = 0;
  std::size_t awaiting_agreement_ = 0;
  std::deque<std::uint32_t> waiting_;  // routes due to negotiate, oldest first
  // Evenly spaced: one initiation every 1/kInitiationsPerSecond seconds.
  base::RateLimit initiation_limit_{1, base::kSecond / kInitiationsPerSecond};
  base::RateLimit inbound_limit_{kMessagesPerSecond, base::kSecond};
};

}  // namespace strait::keymanager
