#pragma once
// One worker serves one queue: the private interface's queue i and the
// public interface of queue i. It joins the pipeline stages with links:
//
// clang-format off
//
//   private rx -> PrivateDispatch -+-> PrivateRouter -> Encapsulator ------> public next hop -> public tx
//                                  +-> (ARP/ND, echo replies) -----------> private next hop -> private tx
//
//   public rx --> PublicDispatch --+-> Decapsulator -> InboundRouter -----> private next hop -> private tx
//                                  +-> control queue (key exchange)
//                                  +-> (ARP/ND, echo replies) -----------> public next hop --> public tx
//
// clang-format on
//
// Packets the gateway originates for the far side (inbound echo replies,
// Time Exceeded after decapsulation) enter the private router like
// forwarded ones. poll() runs everything once; it never blocks, allocates
// or throws.
//
// The queue's key manager runs where KeyExchangeHosting says. kInWorker:
// poll() runs it on the worker's thread between batches. kSeparate (strait
// run): another thread runs it through poll_key_exchange(), and everything
// between the two threads crosses lock-free single-producer
// single-consumer queues: key-exchange datagrams in (the control queue),
// datagrams to send out, and SA changes (keymanager::SaUpdateQueue), which
// poll() applies to the SaDatabase between batches after one size check.

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "base/clock.hpp"
#include "base/locked_pool.hpp"
#include "base/random.hpp"
#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "dispatch/private_dispatch.hpp"
#include "dispatch/public_dispatch.hpp"
#include "esp/engine.hpp"
#include "icmp/responder.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "io/spsc_ring.hpp"
#include "keymanager/key_manager.hpp"
#include "keymanager/sa_installer.hpp"
#include "keymanager/sa_update_queue.hpp"
#include "nexthop/next_hop.hpp"
#include "router/icmp_error_sender.hpp"
#include "router/inbound_router.hpp"
#include "router/private_router.hpp"
#include "tunnel/decapsulator.hpp"
#include "tunnel/encapsulator.hpp"
#include "tunnel/nat_keepalives.hpp"
#include "tunnel/sa_database.hpp"
#include "worker/route_tables.hpp"

namespace strait::worker {

// Where a worker's key manager runs.
enum class KeyExchangeHosting : std::uint8_t {
  kInWorker,  // on the worker's thread, run by poll() (tests, benchmark, simulator)
  kSeparate,  // on another thread, which calls poll_key_exchange() (strait run)
};

// Where static (data-plane) outbound SAs find the sequence numbers a
// previous run of the gateway may have used, and how far they may go
// (strait run: daemon::SequenceFile). Read on the thread that configures
// the worker.
class StaticSequenceSource {
 public:
  virtual ~StaticSequenceSource() = default;
  // Every sequence number below it may have been sent with this key and
  // salt before (0: none).
  virtual std::uint64_t floor(const esp::KeyFingerprint& fingerprint) const = 0;
  // The first sequence number not reserved for it: an SA stops there
  // (esp::OutboundSa::limit) until more is reserved.
  virtual std::uint64_t limit(const esp::KeyFingerprint& fingerprint) const = 0;
};

class Worker {
 public:
  static constexpr std::size_t kBurst = 64;  // receive burst per port and poll
  static constexpr std::size_t kControlQueueSize = 256;
  // Datagrams the key manager sends, on their way to the worker (kSeparate).
  static constexpr std::size_t kKeyExchangeOutSize = 256;

  // Builds the worker of `queue` (a public-interface queue id of config).
  // SAs come from the configuration's outbound-sa / inbound-sa when
  // data-plane is set; otherwise the queue's key manager negotiates them
  // (randomness for keys, nonces and SPIs from `random`). Workers that serve
  // queues of the same private interface pass the same `private_neighbor`,
  // so the next hop any of them resolves is resolved for all. `hosting`
  // says where the key manager runs; with kSeparate, `clock` and `random`
  // are used on the key-exchange thread. Static outbound SAs (data-plane)
  // number their first packet `static_sa_initial_sequence` (`strait replay
  // --initial-seq`), and so do those a reconfiguration installs, unless
  // the worker has already sent under their key and salt: they then go on
  // above the highest sequence number sent under it (never a nonce twice).
  // With `static_sequences` (outliving the worker) they start no lower
  // than its floor and stop at its limit.
  static base::Result<std::unique_ptr<Worker>> create(
      const config::GatewayConfig& config, std::uint16_t queue, io::Port& private_port,
      io::Port& public_port, const base::Clock& clock, base::Random& random,
      nexthop::SharedNeighbor* private_neighbor = nullptr,
      KeyExchangeHosting hosting = KeyExchangeHosting::kInWorker,
      std::uint64_t static_sa_initial_sequence = 1,
      const StaticSequenceSource* static_sequences = nullptr);
  // Releases the frames still queued between the worker and its key
  // manager (their pools must still exist).
  ~Worker();

  // Reconfiguration in two steps, so a change to several workers is all or
  // nothing: prepare_reconfigure() checks a new configuration against this
  // queue and builds what it needs aside (it changes nothing, and may fail
  // with an error naming what cannot change); commit_reconfigure() then
  // applies it and cannot fail. Call both from the worker's thread, or
  // while it is paused, between two polls, with the same configuration
  // (with kSeparate, the key-exchange thread parked too: SA changes still
  // queued for the old route indices are applied first).
  //
  // What changes live: routes (added, removed, changed: a route that keeps
  // its pre-shared key and route SPI keeps its SAs, and traffic on it goes
  // on without loss; changing either, or removing the route, destroys them,
  // PROTOCOL.md 2.4), route gateways, negotiation-ttl, sa-ttl, mtu, tfc,
  // the next hops (nexthop-ip, nexthop-mac) of both interfaces, and, on a
  // data-plane gateway, outbound-sa / inbound-sa (an SA whose spi, key,
  // salt and route stay keeps its sequence number and replay window).
  // Also live: a route's udp-encapsulation and nat-traversal
  // keepalive-interval (docs/NAT-TRAVERSAL.md; turning NAT traversal on or
  // off, strait run rebuilds the queue: its XDP filter takes the port).
  // Refused, needing a restart: the address family, data-plane,
  // protocol-port, the nat-traversal port while in use, the interfaces'
  // ifname, pci, ip, mac, queue, device-queue and nat-ip.
  struct Reconfiguration {
    RouteTables routes;
    std::vector<std::uint32_t> new_index;  // old route i -> new index (SaDatabase::kRemoved)
  };
  base::Result<Reconfiguration> prepare_reconfigure(const config::GatewayConfig& config) const;
  void commit_reconfigure(const config::GatewayConfig& config, Reconfiguration&& prepared);
  // Both steps at once.
  base::Status reconfigure(const config::GatewayConfig& config);

  // One round: receive a burst on each port, run every stage, transmit.
  // Returns the number of packets received.
  std::size_t poll() noexcept;
  // Timer work (key manager with kInWorker, next-hop solicitation); poll() calls it when
  // idle and every 64th busy round, at most once per millisecond of clock
  // time.
  void run_timers() noexcept;
  // Virtual time (strait replay, the simulator): when the worker next has
  // timer work or key-exchange messages waiting (kInWorker), on its clock;
  // base::kNever when nothing is scheduled. Never late, possibly early.
  // run_due_timers() then does that work whatever the millisecond pacing
  // of run_timers().
  base::Nanoseconds next_timer_due() const noexcept;
  void run_due_timers() noexcept;

  // kSeparate: one round of the key manager, on the key-exchange thread
  // (never concurrently with itself): takes key-exchange datagrams off the
  // control queue, runs due timers, and queues SA changes, then the
  // datagrams to send, for the worker's next poll (what finds its queue
  // full is kept, in order, for the next round). Returns true when
  // messages are still queued, so the caller should not sleep. Does
  // nothing with kInWorker or data-plane SAs.
  bool poll_key_exchange() noexcept;
  // kSeparate, on the key-exchange thread: a negotiation this queue
  // initiated awaits the peer's agreement (the key-exchange thread then
  // naps briefly rather than a millisecond, so the SAs of the agreement
  // are in place before the peer's first ESP packets arrive).
  bool key_exchange_negotiating() const noexcept {
    return key_manager_ && key_manager_->awaiting_agreement() != 0;
  }
  KeyExchangeHosting key_exchange_hosting() const noexcept { return hosting_; }
  // kSeparate: the queue of SA changes (its counters), else null.
  const keymanager::SaUpdateQueue* sa_updates() const noexcept { return sa_updates_; }

  // Data-plane: the highest sequence number sent (or skipped) under each
  // key and salt this worker's static outbound SAs have had, by
  // fingerprint. Call from the worker's thread or while it is paused.
  using SequenceMarks = std::map<esp::KeyFingerprint, std::uint64_t>;
  const SequenceMarks& static_sequence_marks();
  // Takes the marks of a worker this one replaces on the same queue (a
  // rebuilt queue, strait run): its static outbound SAs with those keys and
  // salts, now and later, number their packets above them. Call before it
  // sends, or while it is paused.
  void continue_static_sequences(const SequenceMarks& marks);
  // Data-plane: f(fingerprint, sa) for every installed static outbound SA.
  // The thread that configures the worker may call it while the worker
  // runs (to read sequence numbers and raise limits: OutboundSa).
  template <class F>
  void for_each_static_outbound(F&& f) {
    for (std::uint32_t r = 0; r < routes_.route_ids.size() && r < sas_->route_count(); ++r) {
      esp::OutboundSa* sa = sas_->outbound(r);
      if (sa == nullptr) continue;
      for (const auto& installed : installed_outbound_) {
        if (installed.sa.route != routes_.route_ids[r]) continue;
        f(installed.fingerprint, *sa);
        break;
      }
    }
  }
  // Packets a static SA at its limit did not send.
  std::uint64_t sequence_exhausted_drops() const noexcept {
    return encapsulator_.sequence_exhausted();
  }

  std::uint16_t queue() const noexcept { return queue_; }
  tunnel::SaDatabase& sas() noexcept { return *sas_; }
  const tunnel::SaDatabase& sas() const noexcept { return *sas_; }
  // Key-exchange datagrams received on the public interface (null in
  // data-plane mode). The key manager consumes and releases them (on the
  // key-exchange thread with kSeparate: the worker produces, it consumes).
  io::SpscRing* control_queue() noexcept { return control_.get(); }
  // Null in data-plane mode. With kSeparate read it only while the
  // key-exchange thread is parked (or from that thread).
  const keymanager::KeyManager* key_manager() const noexcept { return key_manager_.get(); }
  // key-manager counters, with messages dropped by a full control queue
  // added to rxerrors (with kSeparate: read with both the worker and the
  // key-exchange thread parked).
  state::KeyManagerCounters key_manager_counters() const noexcept;
  // link-drops and sa-install-errors (state/counters.hpp); with kSeparate
  // read with both threads parked, as above.
  state::WorkerCounters worker_counters() const noexcept;
  // NAT traversal (docs/NAT-TRAVERSAL.md): whether a route of this queue
  // uses udp-encapsulation, and its counters (read on the worker's thread
  // or while it is paused).
  bool nat_traversal() const noexcept { return nat_port_ != 0; }
  state::NatTraversalCounters nat_traversal_counters() const noexcept {
    state::NatTraversalCounters c = nat_;
    c.endpoint_changes = sas_->endpoint_changes();
    return c;
  }
  const std::vector<std::string>& route_ids() const noexcept { return routes_.route_ids; }
  const base::Clock& clock() const noexcept { return clock_; }

  // Run-time state, for reporting.
  // Takes the kernel's counts of the ports' drops into their counters
  // (io::Port::collect_kernel_counters); from the worker's thread or while
  // it is paused, before a state report.
  void collect_kernel_counters() noexcept {
    private_port_.collect_kernel_counters();
    public_port_.collect_kernel_counters();
  }
  const io::Port& private_port() const noexcept { return private_port_; }
  const io::Port& public_port() const noexcept { return public_port_; }
  const state::DispatchCounters& private_dispatch() const noexcept {
    return private_dispatch_.counters();
  }
  const state::DispatchCounters& public_dispatch() const noexcept {
    return public_dispatch_.counters();
  }
  const state::PrivateRouterCounters& private_router() const noexcept {
    return private_router_.counters();
  }
  const state::PublicRouterCounters& public_router() const noexcept { return public_router_; }
  const state::NextHopCounters& private_next_hop() const noexcept {
    return private_next_hop_.counters();
  }
  const state::NextHopCounters& public_next_hop() const noexcept {
    return public_next_hop_.counters();
  }
  const state::IcmpCounters& private_icmp() const noexcept { return private_icmp_.counters(); }
  const state::IcmpCounters& public_icmp() const noexcept { return public_icmp_.counters(); }
  const state::IcmpCounters& inbound_icmp() const noexcept { return inbound_icmp_.counters(); }
  net::Family family() const noexcept { return family_; }  // the private network's
  // The public interface's family (another than family() with the
  // dual-stack extension).
  net::Family public_family() const noexcept { return fixed_.public_interface.ip.family; }
  // The libipsec-mb code path of this queue's ESP (esp::Engine).
  const char* esp_implementation() const noexcept { return engine_->architecture(); }

 private:
  Worker(const config::GatewayConfig& config, const config::PublicInterface& public_interface,
         io::Port& private_port, io::Port& public_port, const base::Clock& clock,
         std::unique_ptr<esp::Engine> engine, nexthop::SharedNeighbor* private_neighbor);
  base::Status load_routes(const config::GatewayConfig& config);
  // install_static_sas() runs place_static_sas() and then wipes the stack
  // below its own frame, where copies of the SAs' keys may have been left
  // (registers the compiler spilled while copying them, the key expansion).
  base::Status install_static_sas(const config::GatewayConfig& config);
  [[gnu::noinline]] base::Status place_static_sas(const config::GatewayConfig& config);
  // kSeparate, on the worker's thread: applies queued SA changes and moves
  // the key manager's datagrams onto the public next hop's link.
  void take_key_exchange_output() noexcept;

  std::uint16_t queue_;
  net::Family family_;
  io::Port& private_port_;
  io::Port& public_port_;
  const base::Clock& clock_;
  std::unique_ptr<esp::Engine> engine_;
  std::unique_ptr<tunnel::SaDatabase> sas_;
  std::unique_ptr<io::SpscRing> control_;
  KeyExchangeHosting hosting_ = KeyExchangeHosting::kInWorker;
  // How the key manager changes sas_: directly (kInWorker) or through
  // sa_updates_ (kSeparate). Declared before the key manager that uses it.
  std::unique_ptr<keymanager::SaInstaller> installer_;
  keymanager::SaUpdateQueue* sa_updates_ = nullptr;  // installer_, when kSeparate
  std::unique_ptr<io::SpscRing> key_exchange_out_;   // kSeparate: key manager -> worker
  io::Link key_exchange_pending_;  // kSeparate, key-exchange thread: not yet on key_exchange_out_
  std::unique_ptr<keymanager::KeyManager> key_manager_;
  // What reconfigure() cannot change (no secrets: pre-shared keys live
  // only in the key manager's locked memory), and the live settings it
  // compares against.
  struct FixedSettings {
    net::Family family;
    config::Interface private_interface;
    config::PublicInterface public_interface;
    std::uint16_t protocol_port;
    bool data_plane;
  } fixed_;
  // NAT traversal: the nat-traversal port while a route uses
  // udp-encapsulation, else 0; and what goes with it.
  std::uint16_t nat_port_ = 0;
  void configure_endpoints(const config::GatewayConfig& config);
  tunnel::NatKeepalives keepalives_;
  state::NatTraversalCounters nat_;
  // Data-plane mode: this queue's static SAs as installed (their keys in
  // the secure heap, wiped when replaced), to keep those a new
  // configuration leaves unchanged.
  struct InstalledOutbound {
    config::SecurityAssociation sa;
    // Of sa's key and salt, computed once when installed (not every time
    // the sequence numbers are checked: no key goes through the hash again).
    esp::KeyFingerprint fingerprint;
  };
  std::vector<InstalledOutbound> installed_outbound_;
  std::vector<config::SecurityAssociation> installed_inbound_;
  // Where a static SA's parameters are put together for the SA database:
  // locked memory, never a stack.
  base::LockedPool<esp::SaParameters> static_parameters_;
  std::uint64_t sa_install_errors_ = 0;  // static SAs a reconfiguration could not install
  std::uint64_t static_sa_initial_sequence_ = 1;
  const StaticSequenceSource* static_sequences_ = nullptr;
  // Data-plane mode: the highest sequence number this queue has sent (or
  // skipped) under each key and salt it has installed, by fingerprint (no
  // copy of the key). A static outbound SA installed again with the same
  // key and salt, under any spi or route, starts above it: the GCM nonce
  // is salt || sequence number (PROTOCOL.md 1).
  SequenceMarks sequence_marks_;
  // Records the last sequence number of every installed static outbound SA
  // in sequence_marks_ (before a reconfiguration replaces or removes them).
  void note_static_sequences();
  RouteTables routes_;  // the private router looks routes up in its tables

  nexthop::NextHop private_next_hop_;
  nexthop::NextHop public_next_hop_;
  icmp::Responder private_icmp_;
  icmp::Responder public_icmp_;
  icmp::Responder inbound_icmp_;
  router::IcmpErrorSender icmp_errors_;
  dispatch::PrivateDispatch private_dispatch_;
  dispatch::PublicDispatch public_dispatch_;
  router::PrivateRouter private_router_;
  router::InboundRouter inbound_router_;
  tunnel::Encapsulator encapsulator_;
  tunnel::Decapsulator decapsulator_;
  state::PublicRouterCounters public_router_;

  base::Nanoseconds next_tick_ = 0;
  std::uint64_t polls_ = 0;

  io::Link to_router_;
  io::Link to_tunnel_;
  io::Link to_decapsulation_;
  io::Link to_udp_decapsulation_;  // ESP in UDP (NAT traversal)
  io::Link decapsulated_;
  io::Link to_private_;
  io::Link to_public_;
};

}  // namespace strait::worker
