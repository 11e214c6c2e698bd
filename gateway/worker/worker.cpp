#include "worker/worker.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include <sodium.h>

#include "base/log.hpp"
#include "base/stack_wipe.hpp"
#include "config/interface_change.hpp"

namespace strait::worker {

namespace {

void fill(esp::SaParameters& parameters, const config::SecurityAssociation& sa) {
  parameters.spi = sa.spi;
  std::copy_n(sa.key.data(), sa.key.size(), parameters.key.data());
  std::copy_n(sa.salt.data(), sa.salt.size(), parameters.salt.data());
}

}  // namespace

base::Result<std::unique_ptr<Worker>> Worker::create(
    const config::GatewayConfig& config, std::uint16_t queue, io::Port& private_port,
    io::Port& public_port, const base::Clock& clock, base::Random& random,
    nexthop::SharedNeighbor* private_neighbor, KeyExchangeHosting hosting,
    std::uint64_t static_sa_initial_sequence, const StaticSequenceSource* static_sequences) {
  const config::PublicInterface* public_interface = config.public_interface(queue);
  if (public_interface == nullptr)
    return base::Error{"no public interface serves queue " + std::to_string(queue)};
  auto engine = esp::Engine::create();
  if (!engine) return engine.error();
  std::unique_ptr<Worker> w(new Worker(config, *public_interface, private_port, public_port, clock,
                                       std::move(engine).value(), private_neighbor));

  w->static_sa_initial_sequence_ = std::max<std::uint64_t>(static_sa_initial_sequence, 1);
  w->static_sequences_ = static_sequences;
  w->sas_->set_route_count(config.routes.size());
  if (auto loaded = w->load_routes(config); !loaded) return loaded.error();

  if (config.data_plane) {
    if (auto installed = w->install_static_sas(config); !installed) return installed.error();
  } else {
    w->hosting_ = hosting;
    if (hosting == KeyExchangeHosting::kSeparate) {
      auto queued = std::make_unique<keymanager::SaUpdateQueue>(*w->sas_);
      w->sa_updates_ = queued.get();
      w->installer_ = std::move(queued);
      w->key_exchange_out_ = std::make_unique<io::SpscRing>(kKeyExchangeOutSize);
    } else {
      w->installer_ = std::make_unique<keymanager::DirectSaInstaller>(*w->sas_);
    }
    auto key_manager = keymanager::KeyManager::create(config, queue, *w->installer_, clock, random);
    if (!key_manager) return key_manager.error();
    w->key_manager_ = std::move(key_manager).value();
  }
  return w;
}

// Routes, indexed in configuration order: their ids, their gateway for this
// queue and the lookup tables. The new tables are built aside and swapped
// in, so a failure leaves the old ones.
base::Status Worker::load_routes(const config::GatewayConfig& config) {
  auto tables = build_route_tables(config);
  if (!tables) return tables.error();
  routes_ = std::move(tables).value();
  configure_endpoints(config);
  return base::Ok{};
}

// Each route's packets go to its gateway for this queue; routes with
// udp-encapsulation send ESP in UDP to the peer's nat-traversal port (then
// to where it is learned to be); the public dispatcher takes UDP on that
// port, and keepalives go out, while any route uses it.
void Worker::configure_endpoints(const config::GatewayConfig& config) {
  nat_port_ = config.uses_udp_encapsulation() ? config.nat_traversal.port : 0;
  for (std::uint32_t i = 0; i < config.routes.size(); ++i) {
    sas_->set_gateway(i, config.routes[i].gateway_for(queue_));
    sas_->set_udp_encapsulation(i, config.routes[i].udp_encapsulation ? nat_port_ : 0);
  }
  public_dispatch_.set_nat_port(nat_port_);
  encapsulator_.set_udp_port(nat_port_);
  keepalives_.configure(nat_port_, config.nat_traversal.keepalive_interval * base::kSecond,
                        clock_.now());
}

namespace {

bool same_sa(const config::SecurityAssociation& a, const config::SecurityAssociation& b) {
  return a.route == b.route && a.spi == b.spi && a.queue == b.queue &&
         sodium_memcmp(a.key.data(), b.key.data(), a.key.size()) == 0 &&
         sodium_memcmp(a.salt.data(), b.salt.data(), a.salt.size()) == 0;
}

// SAs by SPI, so that finding one among tens of thousands takes constant
// time (a search of a list per SA made a reload quadratic in routes).
using SasBySpi = std::unordered_multimap<std::uint32_t, const config::SecurityAssociation*>;

SasBySpi by_spi(const std::vector<config::SecurityAssociation>& sas) {
  SasBySpi index;
  index.reserve(sas.size());
  for (const auto& sa : sas)
    index.emplace(sa.spi, &sa);
  return index;
}

bool contains_same(const SasBySpi& sas, const config::SecurityAssociation& sa) {
  const auto [first, last] = sas.equal_range(sa.spi);
  return std::any_of(first, last, [&sa](const auto& entry) { return same_sa(*entry.second, sa); });
}

base::Error needs_restart(const std::string& what) {
  return base::Error{"changing " + what + " needs a restart of the gateway"};
}

}  // namespace

// This queue's static SAs as `config` lists them, installed over what is
// there: unchanged ones stay (sequence numbers, replay windows), the others
// are replaced or removed. routes_ and the SA database's routes are
// already those of `config`. An SA that cannot be installed is counted in
// sa_install_errors_ and not recorded as installed, so the next call tries
// it again.
base::Status Worker::install_static_sas(const config::GatewayConfig& config) {
  base::Status status = place_static_sas(config);
  base::wipe_stack();
  return status;
}

base::Status Worker::place_static_sas(const config::GatewayConfig& config) {
  std::unordered_map<std::string_view, std::uint32_t> index_of;
  for (std::uint32_t i = 0; i < routes_.route_ids.size(); ++i)
    index_of[routes_.route_ids[i]] = i;
  std::vector<config::SecurityAssociation> outbound, inbound;
  for (const auto& sa : config.outbound_sas)
    if (sa.queue == queue_ && index_of.contains(sa.route)) outbound.push_back(sa);
  for (const auto& sa : config.inbound_sas)
    if (sa.queue == queue_ && index_of.contains(sa.route)) inbound.push_back(sa);
  // Nothing changes if the SAs' parameters have nowhere to go.
  auto parameters = static_parameters_.make();
  if (!parameters) {
    sa_install_errors_ += inbound.size() + outbound.size();
    return base::Error{"static SAs: no locked memory for their parameters"};
  }
  base::Status status = base::Ok{};
  const SasBySpi wanted_inbound = by_spi(inbound);
  for (const auto& old : installed_inbound_)
    if (!contains_same(wanted_inbound, old)) sas_->remove_inbound(old.spi);
  const SasBySpi already_inbound = by_spi(installed_inbound_);
  std::vector<config::SecurityAssociation> installed_inbound;
  for (const auto& sa : inbound) {
    if (contains_same(already_inbound, sa)) {
      installed_inbound.push_back(sa);
      continue;
    }
    fill(*parameters, sa);
    if (!sas_->add_inbound(index_of[sa.route], *parameters)) {
      ++sa_install_errors_;
      status = base::Error{"inbound-sa spi " + std::to_string(sa.spi) +
                           ": installed twice, or out of memory"};
      continue;
    }
    installed_inbound.push_back(sa);
  }
  // Each route's wanted outbound SA (the last one given for it) and what
  // it has installed.
  std::unordered_map<std::string_view, const config::SecurityAssociation*> wanted_on;
  for (const auto& sa : outbound)
    wanted_on[sa.route] = &sa;
  std::unordered_multimap<std::string_view, const InstalledOutbound*> installed_on;
  for (const auto& old : installed_outbound_)
    installed_on.emplace(old.sa.route, &old);
  std::vector<InstalledOutbound> installed_outbound;
  for (std::uint32_t r = 0; r < routes_.route_ids.size(); ++r) {
    const auto wanted_entry = wanted_on.find(routes_.route_ids[r]);
    if (wanted_entry == wanted_on.end()) {
      sas_->remove_outbound(r);
      continue;
    }
    const config::SecurityAssociation* wanted = wanted_entry->second;
    const auto [old_first, old_last] = installed_on.equal_range(routes_.route_ids[r]);
    if (sas_->outbound(r) != nullptr) {
      const auto same = std::find_if(old_first, old_last, [wanted](const auto& entry) {
        return same_sa(entry.second->sa, *wanted);
      });
      if (same != old_last) {
        installed_outbound.push_back(*same->second);
        continue;
      }
    }
    // Above everything this queue (or, with static_sequences_, a previous
    // run) sent under the same key and salt.
    const esp::KeyFingerprint fingerprint = esp::key_fingerprint(wanted->key, wanted->salt);
    std::uint64_t initial = static_sa_initial_sequence_;
    if (const auto mark = sequence_marks_.find(fingerprint); mark != sequence_marks_.end())
      initial = std::max(initial, mark->second + 1);
    if (static_sequences_ != nullptr)
      initial = std::max(initial, static_sequences_->floor(fingerprint));
    fill(*parameters, *wanted);
    if (sas_->set_outbound(r, *parameters, initial)) {
      if (static_sequences_ != nullptr)
        sas_->outbound(r)->set_limit(static_sequences_->limit(fingerprint));
      installed_outbound.push_back({*wanted, fingerprint});
      continue;
    }
    ++sa_install_errors_;
    status = base::Error{"outbound-sa spi " + std::to_string(wanted->spi) + ": out of memory"};
    // Nothing changed on the route: what it had stays installed.
    if (sas_->outbound(r) != nullptr)
      for (auto old = old_first; old != old_last; ++old)
        installed_outbound.push_back(*old->second);
  }
  installed_outbound_ = std::move(installed_outbound);
  installed_inbound_ = std::move(installed_inbound);
  return status;
}

void Worker::note_static_sequences() {
  for_each_static_outbound([this](const esp::KeyFingerprint& fingerprint, esp::OutboundSa& sa) {
    std::uint64_t& mark = sequence_marks_[fingerprint];
    mark = std::max(mark, sa.last_sequence());
  });
}

const Worker::SequenceMarks& Worker::static_sequence_marks() {
  note_static_sequences();
  return sequence_marks_;
}

void Worker::continue_static_sequences(const SequenceMarks& marks) {
  for (const auto& [fingerprint, sequence] : marks) {
    std::uint64_t& mark = sequence_marks_[fingerprint];
    mark = std::max(mark, sequence);
  }
  for_each_static_outbound([&marks](const esp::KeyFingerprint& fingerprint, esp::OutboundSa& sa) {
    if (const auto mark = marks.find(fingerprint); mark != marks.end())
      sa.skip_to(mark->second + 1);
  });
}

base::Result<Worker::Reconfiguration> Worker::prepare_reconfigure(
    const config::GatewayConfig& config) const {
  if (config.family != fixed_.family) return needs_restart("the address family");
  if (config.data_plane != fixed_.data_plane) return needs_restart("data-plane");
  if (config.protocol_port != fixed_.protocol_port) return needs_restart("protocol-port");
  if (const std::uint16_t nat = config.uses_udp_encapsulation() ? config.nat_traversal.port : 0;
      nat != 0 && nat_port_ != 0 && nat != nat_port_)
    return needs_restart("the nat-traversal port");
  if (auto field = config::identity_change(fixed_.private_interface, config.private_interface))
    return needs_restart("private-interface " + std::string(config::field_name(*field)));
  const config::PublicInterface* public_interface = config.public_interface(queue_);
  if (public_interface == nullptr)
    return base::Error{"removing the public-interface of queue " + std::to_string(queue_) +
                       " needs a restart of the gateway"};
  if (auto field = config::identity_change(fixed_.public_interface, *public_interface))
    return needs_restart("public-interface (queue " + std::to_string(queue_) + ") " +
                         std::string(config::field_name(*field)));
  Reconfiguration prepared;
  auto tables = build_route_tables(config);
  if (!tables) return tables.error();
  prepared.routes = std::move(tables).value();
  if (key_manager_) {
    prepared.new_index = key_manager_->route_mapping(config);
  } else {
    std::unordered_map<std::string_view, std::uint32_t> new_index_of;
    for (std::uint32_t i = 0; i < config.routes.size(); ++i)
      new_index_of[config.routes[i].id] = i;
    for (const auto& id : routes_.route_ids) {
      const auto found = new_index_of.find(id);
      prepared.new_index.push_back(found == new_index_of.end() ? tunnel::SaDatabase::kRemoved
                                                               : found->second);
    }
  }
  return prepared;
}

void Worker::commit_reconfigure(const config::GatewayConfig& config, Reconfiguration&& prepared) {
  const config::PublicInterface& public_interface = *config.public_interface(queue_);
  if (key_manager_) {
    // SA changes the key-exchange thread queued for the old route indices
    // take effect before the routes are remapped (the caller has parked
    // both threads); those of the reconfiguration itself right after it.
    if (sa_updates_ != nullptr) sa_updates_->apply_all();
    key_manager_->reconfigure(config, prepared.new_index);
    if (sa_updates_ != nullptr) sa_updates_->apply_all();
  } else {
    // Before any static outbound SA is replaced or removed (with its route).
    note_static_sequences();
    sas_->remap_routes(prepared.new_index, config.routes.size());
  }
  routes_ = std::move(prepared.routes);
  configure_endpoints(config);
  // Fails only for want of locked memory: the SAs concerned are counted
  // (worker sa-install-errors), logged, and tried again by the next
  // reconfiguration; the rest of the configuration takes effect.
  if (!key_manager_)
    if (const base::Status installed = install_static_sas(config); !installed)
      base::write_log_line(base::LogLevel::kError, "queue " + std::to_string(queue_) + ": " +
                                                       installed.error().message +
                                                       " (counted as sa-install-errors)");
  private_router_.set_mtu(config.mtu);
  encapsulator_.set_mtu(config.mtu, config.tfc);
  private_next_hop_.change_next_hop(config.private_interface.nexthop_ip,
                                    config.private_interface.nexthop_mac);
  public_next_hop_.change_next_hop(public_interface.nexthop_ip, public_interface.nexthop_mac);
  fixed_.private_interface = config.private_interface;
  fixed_.public_interface = public_interface;
}

base::Status Worker::reconfigure(const config::GatewayConfig& config) {
  auto prepared = prepare_reconfigure(config);
  if (!prepared) return prepared.error();
  commit_reconfigure(config, std::move(prepared).value());
  return base::Ok{};
}

Worker::~Worker() {
  io::Packet* batch[kBurst];
  for (io::SpscRing* ring : {control_.get(), key_exchange_out_.get()}) {
    if (ring == nullptr) continue;
    while (const std::size_t n = ring->pop(batch, kBurst))
      for (std::size_t i = 0; i < n; ++i)
        batch[i]->pool->release(batch[i]);
  }
  for (io::Packet* p : key_exchange_pending_.packets())
    p->pool->release(p);
  key_exchange_pending_.clear();
}

bool Worker::poll_key_exchange() noexcept {
  if (hosting_ != KeyExchangeHosting::kSeparate || !key_manager_) return false;
  key_manager_->poll(*control_, public_port_, key_exchange_pending_);
  // SA changes go first: a datagram may announce an SA (an agreement), so
  // it leaves only once the changes queued before it are on their way, and
  // the worker applies those before it sends the datagram.
  // What finds a queue full waits here for the next round (the worker
  // drains them every poll, so that is no reason to spin).
  if (sa_updates_->flush() && !key_exchange_pending_.empty()) {
    const auto pending = key_exchange_pending_.packets();
    const std::size_t pushed = key_exchange_out_->push(pending.data(), pending.size());
    key_exchange_pending_.erase_front(pushed);
  }
  return control_->size() != 0;
}

void Worker::take_key_exchange_output() noexcept {
  // Count the datagrams first: every SA change queued before them is then
  // visible too (release / acquire through the rings), and is applied
  // before they are sent.
  const std::size_t datagrams = key_exchange_out_->size();
  if (sa_updates_->pending()) sa_updates_->apply();
  if (datagrams == 0) return;
  // Until the public next hop is resolved they wait in the ring (its
  // solicitation is under way, answered in milliseconds): sent now they
  // would be dropped, and a restarted gateway's first knock lost would
  // cost a negotiation-ttl.
  if (!public_next_hop_.resolved()) [[unlikely]] {
    public_next_hop_.tick(public_port_);
    return;
  }
  io::Packet* batch[kBurst];
  const std::size_t n = key_exchange_out_->pop(batch, datagrams < kBurst ? datagrams : kBurst);
  for (std::size_t i = 0; i < n; ++i)
    to_public_.push(batch[i]);
}

state::KeyManagerCounters Worker::key_manager_counters() const noexcept {
  state::KeyManagerCounters c =
      key_manager_ ? key_manager_->counters() : state::KeyManagerCounters{};
  c.rxerrors += public_dispatch_.control_drops();
  return c;
}

state::WorkerCounters Worker::worker_counters() const noexcept {
  state::WorkerCounters c;
  for (const io::Link* link : {&key_exchange_pending_, &to_router_, &to_tunnel_, &to_decapsulation_,
                               &to_udp_decapsulation_, &decapsulated_, &to_private_, &to_public_})
    c.link_drops += link->overflows();
  c.sa_install_errors = sa_install_errors_;
  return c;
}

Worker::Worker(const config::GatewayConfig& config, const config::PublicInterface& public_interface,
               io::Port& private_port, io::Port& public_port, const base::Clock& clock,
               std::unique_ptr<esp::Engine> engine, nexthop::SharedNeighbor* private_neighbor)
    : queue_(public_interface.queue),
      family_(config.family),
      private_port_(private_port),
      public_port_(public_port),
      clock_(clock),
      engine_(std::move(engine)),
      sas_(std::make_unique<tunnel::SaDatabase>(*engine_)),
      control_(config.data_plane ? nullptr : std::make_unique<io::SpscRing>(kControlQueueSize)),
      fixed_{config.family, config.private_interface, public_interface, config.protocol_port,
             config.data_plane},
      private_next_hop_({config.private_interface.ip, config.private_interface.mac,
                         config.private_interface.nexthop_ip, config.private_interface.nexthop_mac,
                         private_neighbor},
                        clock),
      public_next_hop_({public_interface.ip, public_interface.mac, public_interface.nexthop_ip,
                        public_interface.nexthop_mac},
                       clock),
      private_icmp_(config.family, "private", clock),
      public_icmp_(public_interface.ip.family, "public", clock),
      inbound_icmp_(config.family, "inbound", clock),
      icmp_errors_(config.private_interface.ip, clock),
      private_dispatch_(config.private_interface.ip, config.private_interface.mac),
      public_dispatch_(public_interface.ip, public_interface.mac, config.protocol_port,
                       control_.get()),
      private_router_(config.family, routes_.lpm4, routes_.lpm6, *sas_, config.mtu, icmp_errors_),
      inbound_router_(config.private_interface.ip, icmp_errors_),
      encapsulator_(*engine_, *sas_, {public_interface.ip, config.mtu, config.tfc, config.family}),
      decapsulator_(*engine_, *sas_, config.family, public_interface.ip.family) {}

// The key manager takes at least a receive burst of messages per poll, so
// its control queue cannot fill up with messages that failed its checks.
static_assert(keymanager::KeyManager::kMessagesPerPoll >= Worker::kBurst);

std::size_t Worker::poll() noexcept {
  io::Packet* burst[kBurst];

  // kSeparate: SA changes and datagrams from the key-exchange thread.
  if (sa_updates_ != nullptr) take_key_exchange_output();

  const std::size_t from_private = private_port_.receive(burst);
  private_dispatch_.process({burst, from_private}, private_port_, private_next_hop_, private_icmp_,
                            to_router_, to_private_);

  const std::size_t from_public = public_port_.receive(burst);
  public_dispatch_.process({burst, from_public}, public_port_, public_next_hop_, public_icmp_,
                           to_decapsulation_, to_public_, to_udp_decapsulation_, nat_);
  decapsulator_.process(to_decapsulation_, decapsulated_, public_port_, public_router_);
  if (!to_udp_decapsulation_.empty()) [[unlikely]]
    decapsulator_.process_udp(to_udp_decapsulation_, decapsulated_, public_port_, public_router_,
                              nat_);
  inbound_router_.process(decapsulated_, to_private_, to_router_, inbound_icmp_, private_port_);

  private_router_.process(to_router_, to_tunnel_, to_private_, private_port_);
  encapsulator_.process(to_tunnel_, to_public_, public_port_);

  // Timers (key manager, next-hop solicitation) run on idle polls and every
  // 64th busy one: reading the clock on every busy poll would cost more
  // than a stage.
  const std::size_t received = from_private + from_public;
  if (received == 0 || (++polls_ & 63) == 0) run_timers();
  // Key-exchange messages are answered as soon as they arrive.
  if (hosting_ == KeyExchangeHosting::kInWorker && control_ && control_->size() != 0) [[unlikely]]
    key_manager_->poll(*control_, public_port_, to_public_);

  public_next_hop_.send(to_public_, public_port_);
  private_next_hop_.send(to_private_, private_port_);
  return received;
}

void Worker::run_timers() noexcept {
  if (clock_.now() < next_tick_) return;
  run_due_timers();
}

base::Nanoseconds Worker::next_timer_due() const noexcept {
  base::Nanoseconds due = std::min(private_next_hop_.next_due(), public_next_hop_.next_due());
  if (key_manager_ && hosting_ == KeyExchangeHosting::kInWorker) {
    due = std::min(due, key_manager_->next_due());
    if (control_->size() != 0) due = std::min(due, clock_.now());
  }
  return std::min(due, keepalives_.next_due());
}

void Worker::run_due_timers() noexcept {
  next_tick_ = clock_.now() + base::kMillisecond;
  if (key_manager_ && hosting_ == KeyExchangeHosting::kInWorker)
    key_manager_->poll(*control_, public_port_, to_public_);
  private_next_hop_.tick(private_port_);
  public_next_hop_.tick(public_port_);
  if (nat_port_ != 0) [[unlikely]]
    keepalives_.run(clock_.now(), *engine_, *sas_, fixed_.public_interface.ip, public_port_,
                    to_public_, nat_);
}

}  // namespace strait::worker
