#pragma once
// Two gateways, paris and tokyo, joined by a simulated WAN, for end-to-end
// tests of the key exchange: one FramePool, one ManualClock shared by both
// sites, and for every (site, queue) a Worker with a private MemoryWire and
// a public MemoryWire. The WAN moves what a public port transmits to the
// public port whose address is the frame's destination (possibly the
// sender itself), rewriting the Ethernet header as a router would. A
// filter sees every frame on the WAN and may drop, corrupt, duplicate or
// capture it; a NAT can translate a queue's public address.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/gateway_config.hpp"
#include "exchange/messages.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "testing/frame_builder.hpp"
#include "testing/sample_sites.hpp"
#include "worker/worker.hpp"

namespace strait::testing {

enum class SiteId : std::uint8_t { kParis, kTokyo };
// Both sites, and the site at the other end of the tunnel.
inline constexpr SiteId kBothSites[] = {SiteId::kParis, SiteId::kTokyo};
SiteId other_site(SiteId id);

struct TwoSitesOptions {
  net::Family family = net::Family::kIpv4;
  // The public interfaces' family (dual-stack); unset: `family`.
  std::optional<net::Family> public_family;
  // Options of each site's configuration (site_config(self, peer, options)).
  // Workers are built for queues 1..options.queues of each site.
  SiteOptions paris = key_exchange_options();
  SiteOptions tokyo = key_exchange_options();
  std::size_t frame_count = 4096;
  std::size_t ring_capacity = 1024;
  std::uint64_t paris_seed = 1;
  std::uint64_t tokyo_seed = 2;
  // Where the workers' key managers run (kSeparate: run() or the test calls
  // Worker::poll_key_exchange, e.g. from a daemon::KeyExchangeThread).
  worker::KeyExchangeHosting hosting = worker::KeyExchangeHosting::kInWorker;
  // The workers' clock; null: clock(), the sites' ManualClock. A test that
  // polls the workers on threads of their own gives a thread-safe one.
  const base::Clock* clock = nullptr;
};

// A frame on the WAN, from one worker's public port towards another's.
struct WanFrame {
  SiteId from = SiteId::kParis;
  std::uint16_t from_queue = 1;
  SiteId to = SiteId::kTokyo;
  std::uint16_t to_queue = 1;
  Bytes bytes;  // the Ethernet frame as it will be delivered (NAT applied)

  // The key-exchange message type of a UDP datagram to `port`, if it is one
  // (at least 8 bytes of UDP payload).
  std::optional<exchange::MessageType> message_type(std::uint16_t port = 303) const;
  bool is_esp() const;
  // The UDP payload (transport header + message); empty if not UDP.
  Bytes udp_payload() const;
};

// Decides the fate of a WAN frame: returns how many copies to deliver (0
// drops it, 2 duplicates it); may modify the bytes (after which the frame
// is delivered as modified) or keep a copy to deliver() later.
using WanFilter = std::function<std::size_t(WanFrame& frame)>;

class TwoSites {
 public:
  // Builds both gateways from site_config(); throws std::runtime_error on
  // a configuration or worker error.
  explicit TwoSites(const TwoSitesOptions& options = {});
  // With explicit configuration texts (the sites' addresses are still
  // those of paris() / tokyo() of options.family).
  TwoSites(const TwoSitesOptions& options, const std::string& paris_config,
           const std::string& tokyo_config);
  ~TwoSites();
  TwoSites(const TwoSites&) = delete;
  TwoSites& operator=(const TwoSites&) = delete;

  const Site& site(SiteId id) const { return sites_[index(id)]; }
  const config::GatewayConfig& config(SiteId id) const { return configs_[index(id)]; }
  worker::Worker& worker(SiteId id, std::uint16_t queue = 1);
  std::uint16_t queues(SiteId id) const;
  // The public address of a site's queue (the address its port owns).
  const net::Address& public_ip(SiteId id, std::uint16_t queue = 1);
  base::ManualClock& clock() noexcept { return clock_; }
  io::FramePool& pool() noexcept { return *pool_; }

  // Private side: frames from / to the site's LAN on that queue.
  void send_private(SiteId id, const Bytes& frame, std::uint16_t queue = 1);
  std::vector<Bytes> take_private(SiteId id, std::uint16_t queue = 1);
  // Public side: a frame arriving from the WAN (not seen by the filter).
  void send_public(SiteId id, const Bytes& frame, std::uint16_t queue = 1);
  // Delivers a (captured) WAN frame to its destination now, unfiltered.
  void deliver(const WanFrame& frame);

  // Polls every worker and moves WAN frames until a whole round received
  // nothing and moved nothing; returns the number of rounds. With
  // kSeparate each round first runs every key manager
  // (Worker::poll_key_exchange), as the key-exchange thread would; a test
  // that runs the key managers on threads of its own calls move_wan()
  // instead.
  std::size_t run(std::size_t max_rounds = 100000);
  // Advances the clock by `duration` in steps of `step`, running after each.
  void advance(base::Nanoseconds duration, base::Nanoseconds step = base::kMillisecond);

  void set_filter(WanFilter filter) { filter_ = std::move(filter); }
  void clear_filter() { filter_ = nullptr; }
  // NAT in front of a queue: what it sends leaves with source `outside`,
  // what is sent to `outside` reaches it (checksums fixed).
  void set_nat(SiteId id, std::uint16_t queue, const net::Address& outside);
  // A port-translating NAT (masquerade) in front of a queue instead: what
  // it sends leaves from `outside`, UDP from a port the NAT maps (from
  // 40000 up, in order of first use), anything but UDP and ICMP is dropped
  // (raw ESP has no port to translate); what comes back to `outside` gets in
  // only as UDP to a mapped port. flush_napt() forgets every mapping (a NAT
  // that lost its state, or rebinds): the next datagram out gets a new port.
  void set_napt(SiteId id, std::uint16_t queue, const net::Address& outside);
  void flush_napt(SiteId id, std::uint16_t queue = 1);

  // Moves what every public port sent (run() does it between polls; a test
  // whose workers poll on their own threads calls it from one other
  // thread); returns the number of frames seen.
  std::size_t move_wan();

  // Frames the WAN delivered / dropped (filter verdict 0) / could not route.
  std::uint64_t wan_delivered() const noexcept { return delivered_; }
  std::uint64_t wan_dropped() const noexcept { return dropped_; }
  std::uint64_t wan_unroutable() const noexcept { return unroutable_; }

 private:
  struct Node {
    SiteId site;
    std::uint16_t queue;
    net::Address public_ip;
    net::Mac public_mac;
    std::optional<net::Address> nat_outside;
    bool napt = false;
    std::map<std::uint16_t, std::uint16_t> napt_out;  // inside port -> outside port
    std::map<std::uint16_t, std::uint16_t> napt_in;   // outside port -> inside port
    std::uint16_t napt_next = 40000;
    std::unique_ptr<io::MemoryWire> private_wire;  // a(): the LAN, b(): the gateway
    std::unique_ptr<io::MemoryWire> public_wire;   // a(): the WAN, b(): the gateway
    std::unique_ptr<worker::Worker> worker;
  };
  static std::size_t index(SiteId id) { return id == SiteId::kParis ? 0 : 1; }
  void build(const TwoSitesOptions& options, const std::string& paris_config,
             const std::string& tokyo_config);
  Node& node(SiteId id, std::uint16_t queue);

  base::ManualClock clock_;
  Site sites_[2];
  config::GatewayConfig configs_[2];
  std::unique_ptr<base::SeededRandom> randoms_[2];
  std::unique_ptr<io::FramePool> pool_;
  std::vector<Node> nodes_;
  WanFilter filter_;
  std::uint64_t delivered_ = 0;
  std::uint64_t dropped_ = 0;
  std::uint64_t unroutable_ = 0;
};

// Names and values of a KeyManagerCounters, for exact comparisons in tests.
std::vector<std::pair<std::string, std::uint64_t>> counter_values(
    const state::KeyManagerCounters& counters);

// One datagram each way between the two host networks; true if both arrive
// exactly (TTL decremented by both gateways).
bool round_trip(TwoSites& sites, std::uint8_t seed);

}  // namespace strait::testing
