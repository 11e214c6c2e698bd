#include "bench/scenario.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "base/clock.hpp"
#include "base/cpu_affinity.hpp"
#include "bench/traffic.hpp"
#include "config/gateway_config.hpp"
#include "esp/engine.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "net/headers.hpp"
#include "worker/worker.hpp"

namespace strait::bench {

namespace {

using namespace strait::net;

constexpr Addresses kAddresses{{0x2a, 0xbb, 0x0a, 0, 0, 1}, {0x02, 0, 0, 0, 0, 2}, {10, 0, 0, 2}};
constexpr std::uint8_t kPrivateIp[4] = {10, 0, 0, 1};
constexpr std::uint8_t kPublicIp[4] = {172, 16, 0, 1};

// Static SAs (data-plane), or pre-shared keys for the key manager.
config::GatewayConfig make_config(const Options& options) {
  const std::uint32_t routes = options.routes;
  config::GatewayConfig c;
  c.family = Family::kIpv4;
  c.data_plane = !options.key_exchange;
  c.sa_ttl = options.sa_ttl;
  c.negotiation_ttl = options.negotiation_ttl;
  c.private_interface.ip = Address::ipv4(kPrivateIp);
  c.private_interface.nexthop_ip = Address::ipv4(kAddresses.host_ip);
  std::memcpy(c.private_interface.mac.bytes.data(), kAddresses.gateway_mac, 6);
  Mac host;
  std::memcpy(host.bytes.data(), kAddresses.host_mac, 6);
  c.private_interface.nexthop_mac = host;
  config::PublicInterface pub;
  pub.ip = Address::ipv4(kPublicIp);
  pub.nexthop_ip = pub.ip;
  pub.mac = *Mac::parse("3a:bb:ac:10:00:01");
  pub.nexthop_mac = pub.mac;  // looped back to itself
  c.public_interfaces.push_back(pub);
  for (std::uint32_t i = 0; i < routes; ++i) {
    config::Route r;
    r.id = "r" + std::to_string(i);
    std::uint8_t net_bytes[4];
    route_destination(i, net_bytes);
    net_bytes[3] = 0;
    r.net = Prefix{Address::ipv4(net_bytes), 24};
    r.gateways.push_back({pub.ip, 1});  // the loopback case of PROTOCOL.md 2.4
    r.spi = 1000 + i;
    if (options.key_exchange) {
      for (std::size_t k = 0; k < r.preshared_key.size(); ++k)
        r.preshared_key[k] = static_cast<std::uint8_t>(i * 13 + k * 7 + (i >> 8));
      c.routes.push_back(std::move(r));
      continue;
    }
    c.routes.push_back(r);
    config::SecurityAssociation sa;
    sa.route = r.id;
    sa.spi = 256 + i;
    for (std::size_t k = 0; k < sa.key.size(); ++k)
      sa.key[k] = static_cast<std::uint8_t>(i * 7 + k);
    const std::array<std::uint8_t, 4> salt = {1, 2, 3, static_cast<std::uint8_t>(i)};
    sa.salt.copy_from(salt);
    c.outbound_sas.push_back(sa);
    c.inbound_sas.push_back(sa);  // we receive what we send
  }
  return c;
}

// System time plus an offset that only grows: the fast-forward bumps it
// while the gateway is idle, then it stays put and time runs as it does.
class OffsetClock final : public base::Clock {
 public:
  base::Nanoseconds now() const override { return system_.now() + offset_; }
  void advance(base::Nanoseconds by) { offset_ += by; }

 private:
  base::SystemClock system_;
  base::Nanoseconds offset_ = 0;
};

// Polls the worker, advancing the clock a millisecond whenever nothing is
// in flight (no packet received, nothing on the looped-back port or in the
// control queue), until every route has its outbound SA and the first
// rekey's new outbound SA has taken effect: from then on exchanges and
// activations go on at the pace they will keep while measuring. The key
// manager's limits (20 initiations and 100 messages a second, 32
// negotiations at once) hold in virtual time while the core never waits.
base::Status fast_forward(worker::Worker& worker, io::MemoryPort& public_port, OffsetClock& clock,
                          const Options& options, KeyExchangeReport& report) {
  const keymanager::KeyManager& key_manager = *worker.key_manager();
  const io::SpscRing& control = *worker.control_queue();
  const base::Nanoseconds start = clock.now();
  const auto wall_start = std::chrono::steady_clock::now();
  const auto wall_limit = std::chrono::duration<double>(options.timeout_seconds);
  const base::Nanoseconds limit = static_cast<base::Nanoseconds>(
      (options.keying_limit_seconds > 0 ? options.keying_limit_seconds
                                        : 60 + 0.1 * options.routes + options.sa_ttl) *
      1e9);
  const auto virtual_seconds = [&] { return static_cast<double>(clock.now() - start) / 1e9; };
  base::Nanoseconds next_check = 0;
  base::Nanoseconds next_progress = start + 60 * base::kSecond;
  std::size_t keyed = 0;
  bool all_keyed = false;
  for (std::uint64_t idle_rounds = 0;;) {
    if (worker.poll() != 0 || control.size() != 0 || public_port.pending() != 0) continue;
    const base::Nanoseconds now = clock.now();
    if (now >= next_check) {  // a pending SA activates on a timer: look every 100 ms
      next_check = now + 100 * base::kMillisecond;
      keyed = key_manager.routes_with_outbound_sa();
      if (keyed == options.routes && !all_keyed) {
        all_keyed = true;
        report.keying_virtual_seconds = virtual_seconds();
      }
      if (keyed == options.routes && key_manager.counters().outbound_sa_updated != 0) break;
    }
    if (options.progress && now >= next_progress) {
      next_progress = now + 60 * base::kSecond;
      options.progress(static_cast<std::uint32_t>(keyed), virtual_seconds());
    }
    if (now - start >= limit ||
        ((++idle_rounds & 1023) == 0 && std::chrono::steady_clock::now() - wall_start > wall_limit))
      return base::Error{"key exchange: " + std::to_string(keyed) + " of " +
                         std::to_string(options.routes) + " routes had an outbound SA, and " +
                         std::to_string(key_manager.counters().outbound_sa_updated) +
                         " rekeys had taken effect, after " + std::to_string(virtual_seconds()) +
                         " virtual seconds"};
    clock.advance(base::kMillisecond);
  }
  report.routes_keyed = static_cast<std::uint32_t>(keyed);
  report.fast_forward_virtual_seconds = virtual_seconds();
  report.keying_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return base::Ok{};
}

}  // namespace

std::uint32_t shortest_safe_sa_ttl(std::uint32_t routes, std::uint32_t negotiation_ttl) {
  const double turn = static_cast<double>(routes) / keymanager::KeyManager::kInitiationsPerSecond;
  const double negotiation = negotiation_ttl;
  const double activation = 1.5 * negotiation;
  const double margin = 1 + 0.05 * turn;
  const double ttl =
      std::max({(2 * turn + negotiation + activation + margin) / 1.375,
                (turn + activation + margin) / 0.875, (negotiation + activation + margin) / 0.375});
  return static_cast<std::uint32_t>(std::min(std::ceil(ttl), 4294967295.0));
}

base::Result<Report> run(const Options& options) {
  if (options.routes == 0 || options.routes > 65536)
    return base::Error{"--routes must be between 1 and 65536"};
  if (options.packets == 0) return base::Error{"--packets must be at least 1"};
  const auto [smallest, largest] =
      std::minmax_element(options.frame_sizes.begin(), options.frame_sizes.end());
  if (*smallest < kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize ||
      *largest > 8923 + kEthernetHeaderSize)
    return base::Error{"--size must be between 42 and 8937 bytes"};
  if (options.cpu && (*options.cpu < 0 || *options.cpu >= CPU_SETSIZE))
    return base::Error{"--cpu out of range"};
  if (options.key_exchange && (options.sa_ttl == 0 || options.negotiation_ttl == 0))
    return base::Error{"--sa-ttl and --negotiation-ttl must be at least 1 second"};

  // Frames large enough for the biggest packet plus tunnel overhead.
  const std::size_t frame_size =
      (sizeof(io::Packet) + io::kDefaultHeadroom + *largest + 128 + 1023) / 1024 * 1024;
  auto pool = io::FramePool::create(frame_size, 4096);
  if (!pool) return pool.error();
  io::MemoryWire private_wire(**pool, 2048);
  io::MemoryLoopback public_loop(**pool, 2048);

  OffsetClock clock;
  base::SystemRandom random;
  // (With --host-thread only the gateway's thread is pinned, once the
  // host's is running.)
  if (options.cpu && !options.host_thread)
    if (auto pinned = base::pin_current_thread(*options.cpu); !pinned) return pinned.error();
  auto worker = worker::Worker::create(make_config(options), 1, private_wire.b(),
                                       public_loop.port(), clock, random);
  if (!worker) return worker.error();

  std::optional<KeyExchangeReport> keying;
  state::KeyManagerCounters before;
  if (options.key_exchange) {
    keying.emplace();
    if (auto done = fast_forward(**worker, public_loop.port(), clock, options, *keying); !done)
      return done.error();
    // Nothing of ours is on the LAN yet: anything there is not traffic.
    io::Packet* stray[64];
    while (const std::size_t n = private_wire.a().receive(stray))
      for (std::size_t i = 0; i < n; ++i)
        private_wire.a().release(stray[i]);
    before = (*worker)->key_manager_counters();
    keying->keying_negotiations_expired = before.negotiations_expired;
    keying->keying_messages_dropped = before.rxerrors;
  }
  Traffic traffic(**pool, private_wire.a(), kAddresses, options.frame_sizes, options.routes,
                  options.packets);

  Report report;
  if (auto engine = esp::Engine::create()) report.esp_architecture = (*engine)->architecture();
  const base::Nanoseconds deadline =
      clock.now() + static_cast<base::Nanoseconds>(options.timeout_seconds * 1e9);
  base::Nanoseconds first = 0, last = 0;
  // Stops when everything came back, or nothing came back for a second
  // (the rest was dropped), or at the deadline.
  auto stalled = [&](base::Nanoseconds now) {
    return now > deadline || (last != 0 && now - last > base::kSecond);
  };

  if (!options.host_thread) {
    first = clock.now();
    traffic.prime();
    for (std::uint64_t round = 1; !traffic.finished(); ++round) {
      (*worker)->poll();
      if (traffic.step() != 0 || (round & 1023) == 0) {
        last = clock.now();
        if (traffic.received() == 0 && stalled(last)) break;
      }
      if ((round & 1023) == 0 && stalled(clock.now())) break;
    }
  } else {
    std::atomic<bool> done{false};
    std::thread host([&] {
      first = clock.now();
      traffic.prime();
      for (std::uint64_t round = 1; !traffic.finished(); ++round) {
        if (traffic.step() != 0) last = clock.now();
        if ((round & 1023) == 0 && stalled(clock.now())) break;
      }
      done = true;
    });
    const base::Status pinned =
        options.cpu ? base::pin_current_thread(*options.cpu) : base::Status{base::Ok{}};
    while (!done.load(std::memory_order_relaxed))
      (*worker)->poll();
    host.join();
    if (!pinned) return pinned.error();
  }

  if (keying) {
    const state::KeyManagerCounters after = (*worker)->key_manager_counters();
    keying->exchanges = after.keypairs_negotiated - before.keypairs_negotiated;
    keying->initiated = after.negotiations_initiated - before.negotiations_initiated;
    keying->outbound_sa_updated = after.outbound_sa_updated - before.outbound_sa_updated;
    keying->outbound_sa_expired = after.outbound_sa_expired - before.outbound_sa_expired;
    keying->negotiations_expired = after.negotiations_expired - before.negotiations_expired;
    keying->rxerrors = after.rxerrors - before.rxerrors;
    keying->routes_keyed_after =
        static_cast<std::uint32_t>((*worker)->key_manager()->routes_with_outbound_sa());
    report.key_exchange = keying;
  }
  report.sent = traffic.sent();
  report.received = traffic.received();
  report.corrupted = traffic.corrupted();
  report.bytes = traffic.bytes();
  report.seconds = static_cast<double>(last - first) / 1e9;
  if (report.seconds > 0) {
    report.mpps = static_cast<double>(report.received) / report.seconds / 1e6;
    report.gbps = static_cast<double>(report.bytes) * 8 / report.seconds / 1e9;
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  report.peak_rss_kib = static_cast<std::uint64_t>(usage.ru_maxrss);
  return report;
}

}  // namespace strait::bench
