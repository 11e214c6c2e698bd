#include "worker/worker.hpp"

#include <string_view>
#include <unordered_map>

namespace strait::worker {

namespace {

esp::SaParameters parameters_of(const config::SecurityAssociation& sa) {
  return {sa.spi, sa.key, sa.salt};
}

}  // namespace

base::Result<std::unique_ptr<Worker>> Worker::create(const config::GatewayConfig& config,
                                                     std::uint16_t queue, io::Port& private_port,
                                                     io::Port& public_port,
                                                     const base::Clock& clock, base::Random& random,
                                                     nexthop::SharedNeighbor* private_neighbor,
                                                     KeyExchangeHosting hosting) {
  const config::PublicInterface* public_interface = config.public_interface(queue);
  if (public_interface == nullptr)
    return base::Error{"no public interface serves queue " + std::to_string(queue)};
  auto engine = esp::Engine::create();
  if (!engine) return engine.error();
  std::unique_ptr<Worker> w(new Worker(config, *public_interface, private_port, public_port, clock,
                                       std::move(engine).value(), private_neighbor));

  w->sas_->set_route_count(config.routes.size());
  if (auto loaded = w->load_routes(config); !loaded) return loaded.error();

  if (config.data_plane) {
    std::unordered_map<std::string_view, std::uint32_t> index_of;
    for (std::uint32_t i = 0; i < w->route_ids_.size(); ++i)
      index_of[w->route_ids_[i]] = i;
    for (const auto& sa : config.outbound_sas) {
      if (sa.queue != queue) continue;
      const auto route = index_of.find(sa.route);
      if (route == index_of.end())
        return base::Error{"outbound-sa spi " + std::to_string(sa.spi) + ": no route " + sa.route};
      if (!w->sas_->set_outbound(route->second, parameters_of(sa)))
        return base::Error{"outbound-sa spi " + std::to_string(sa.spi) + ": out of memory"};
    }
    for (const auto& sa : config.inbound_sas) {
      if (sa.queue != queue) continue;
      const auto route = index_of.find(sa.route);
      if (route == index_of.end())
        return base::Error{"inbound-sa spi " + std::to_string(sa.spi) + ": no route " + sa.route};
      if (!w->sas_->add_inbound(route->second, parameters_of(sa)))
        return base::Error{"inbound-sa spi " + std::to_string(sa.spi) +
                           ": installed twice, or out of memory"};
    }
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
  route::Lpm4 lpm4;
  route::Lpm6 lpm6;
  std::vector<std::string> ids;
  for (std::uint32_t i = 0; i < config.routes.size(); ++i) {
    const config::Route& route = config.routes[i];
    const base::Status inserted =
        config.family == net::Family::kIpv4 ? lpm4.insert(route.net, i) : lpm6.insert(route.net, i);
    if (!inserted) return base::Error{"route " + route.id + ": " + inserted.error().message};
    ids.push_back(route.id);
  }
  lpm4.shrink_to_fit();
  lpm6.shrink_to_fit();
  lpm4_ = std::move(lpm4);
  lpm6_ = std::move(lpm6);
  route_ids_ = std::move(ids);
  for (std::uint32_t i = 0; i < config.routes.size(); ++i)
    sas_->set_gateway(i, config.routes[i].gateway_for(queue_));
  return base::Ok{};
}

base::Status Worker::reconfigure(const config::GatewayConfig& config) {
  const config::PublicInterface* public_interface = config.public_interface(queue_);
  const char* fixed =
      config.family != fixed_.family                            ? "the address family"
      : config.data_plane != fixed_.data_plane                  ? "data-plane"
      : !(config.private_interface == fixed_.private_interface) ? "private-interface"
      : public_interface == nullptr || !(*public_interface == fixed_.public_interface)
          ? "this queue's public-interface"
      : config.mtu != fixed_.mtu                     ? "mtu"
      : config.tfc != fixed_.tfc                     ? "tfc"
      : config.protocol_port != fixed_.protocol_port ? "protocol-port"
                                                     : nullptr;
  if (fixed != nullptr)
    return base::Error{std::string("changing ") + fixed + " needs a restart of the gateway"};
  if (!key_manager_)
    return base::Error{"a data-plane gateway's SAs are static: restart it to change them"};
  // Check the new routes before touching anything.
  for (const auto& route : config.routes) {
    const base::Status ok = config.family == net::Family::kIpv4
                                ? route::Lpm4{}.insert(route.net, 0)
                                : route::Lpm6{}.insert(route.net, 0);
    if (!ok) return base::Error{"route " + route.id + ": " + ok.error().message};
  }
  // SA changes the key-exchange thread queued for the old route indices
  // take effect before the routes are remapped (the caller has parked both
  // threads); those of the reconfiguration itself right after it.
  if (sa_updates_ != nullptr) sa_updates_->apply_all();
  const std::vector<std::uint32_t> new_index = key_manager_->route_mapping(config);
  key_manager_->reconfigure(config, new_index);
  if (sa_updates_ != nullptr) sa_updates_->apply_all();
  return load_routes(config);
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
      fixed_{config.family, config.private_interface, public_interface, config.mtu,
             config.tfc,    config.protocol_port,     config.data_plane},
      private_next_hop_({config.private_interface.ip, config.private_interface.mac,
                         config.private_interface.nexthop_ip, config.private_interface.nexthop_mac,
                         private_neighbor},
                        clock),
      public_next_hop_({public_interface.ip, public_interface.mac, public_interface.nexthop_ip,
                        public_interface.nexthop_mac},
                       clock),
      private_icmp_(config.family, "private", clock),
      public_icmp_(config.family, "public", clock),
      inbound_icmp_(config.family, "inbound", clock),
      icmp_errors_(config.private_interface.ip, clock),
      private_dispatch_(config.private_interface.ip),
      public_dispatch_(public_interface.ip, config.protocol_port, control_.get()),
      private_router_(config.family, lpm4_, lpm6_, *sas_, config.mtu, icmp_errors_),
      inbound_router_(config.private_interface.ip, icmp_errors_),
      encapsulator_(*engine_, *sas_, {public_interface.ip, config.mtu, config.tfc}),
      decapsulator_(*engine_, *sas_, config.family) {}

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
                           to_decapsulation_, to_public_);
  decapsulator_.process(to_decapsulation_, decapsulated_, public_port_, public_router_);
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
  const base::Nanoseconds now = clock_.now();
  if (now < next_tick_) return;
  next_tick_ = now + base::kMillisecond;
  if (key_manager_ && hosting_ == KeyExchangeHosting::kInWorker)
    key_manager_->poll(*control_, public_port_, to_public_);
  private_next_hop_.tick(private_port_);
  public_next_hop_.tick(public_port_);
}

}  // namespace strait::worker
