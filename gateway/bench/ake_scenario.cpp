#include "bench/ake_scenario.hpp"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <chrono>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/clock.hpp"
#include "base/cpu_affinity.hpp"
#include "base/random.hpp"
#include "config/gateway_config.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "worker/worker.hpp"

namespace strait::bench {

namespace {

using net::Address;
using net::Family;
using net::Mac;
using net::Prefix;

struct Side {
  std::uint8_t id;           // 1 paris, 2 tokyo
  std::uint8_t private_net;  // first byte of the nets the *other* side routes here
};

Address v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
  const std::uint8_t bytes[4] = {a, b, c, d};
  return Address::ipv4(bytes);
}
Mac mac(std::uint8_t site, std::uint8_t port, std::uint8_t host) {
  Mac m;
  m.bytes = {0x02, 0, 0, site, port, host};
  return m;
}
Address public_ip(std::uint8_t site) {
  return v4(172, 16, 0, site);
}

// Gateway `self` with `routes` routes to `peer`: route i has the route SPI
// 1000 + i and a pre-shared key of its own, the same on both sides.
config::GatewayConfig make_config(std::uint8_t self, std::uint8_t peer, std::uint32_t routes) {
  config::GatewayConfig c;
  c.family = Family::kIpv4;
  c.data_plane = false;
  c.private_interface.ip = v4(10, self, 0, 1);
  c.private_interface.mac = mac(self, 0, 1);
  c.private_interface.nexthop_ip = v4(10, self, 0, 2);
  c.private_interface.nexthop_mac = mac(self, 0, 2);
  config::PublicInterface pub;
  pub.ip = public_ip(self);
  pub.mac = mac(self, 1, 1);
  pub.nexthop_ip = public_ip(peer);  // wired directly to the peer
  pub.nexthop_mac = mac(peer, 1, 1);
  c.public_interfaces.push_back(pub);
  for (std::uint32_t i = 0; i < routes; ++i) {
    config::Route r;
    r.id = "r" + std::to_string(i);
    // The peer's LAN behind this route: (20 + peer).i.i.0/24 style.
    r.net = Prefix{v4(static_cast<std::uint8_t>(20 + 10 * peer + (i >> 16)),
                      static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i), 0),
                   24};
    r.gateways.push_back({public_ip(peer), 1});
    r.spi = 1000 + i;
    for (std::size_t k = 0; k < r.preshared_key.size(); ++k)
      r.preshared_key[k] = static_cast<std::uint8_t>(i * 13 + k * 7 + (i >> 8));
    c.routes.push_back(std::move(r));
  }
  return c;
}

struct Gateway {
  base::SystemRandom random;
  std::unique_ptr<io::MemoryWire> private_wire;  // nobody on the LAN side
  std::unique_ptr<worker::Worker> worker;

  bool idle() const {
    const io::SpscRing* control = worker->control_queue();
    return control->size() == 0;
  }
};

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Routes of `self` whose outbound SPI `other` holds as an inbound SA of the
// same route (counted into report.routes_keyed), and routes with an inbound
// SA at all.
void count_keyed(const worker::Worker& self, const worker::Worker& other, std::uint32_t routes,
                 AkeGatewayReport& report) {
  std::unordered_map<std::uint32_t, std::uint32_t> other_inbound;  // SPI -> route
  other.sas().for_each_inbound(
      [&](std::uint32_t route, const esp::InboundSa& sa) { other_inbound[sa.spi()] = route; });
  std::vector<bool> has_inbound(routes, false);
  self.sas().for_each_inbound([&](std::uint32_t route, const esp::InboundSa&) {
    if (route < routes) has_inbound[route] = true;
  });
  report.routes_keyed = 0;
  report.routes_with_inbound = 0;
  for (std::uint32_t r = 0; r < routes; ++r) {
    report.routes_with_inbound += has_inbound[r];
    const esp::OutboundSa* out = self.sas().outbound(r);
    if (out == nullptr) continue;
    const auto found = other_inbound.find(out->spi());
    report.routes_keyed += found != other_inbound.end() && found->second == r;
  }
}

void fill_counters(const worker::Worker& w, AkeGatewayReport& report) {
  const state::KeyManagerCounters c = w.key_manager_counters();
  report.initiated = c.negotiations_initiated;
  report.completed = c.keypairs_negotiated;
  report.responded = c.keypairs_offered;
  report.expired = c.negotiations_expired;
  report.dropped = c.rxerrors;
  report.inbound_sas = w.sas().inbound_count();
}

}  // namespace

base::Result<AkeReport> run_ake(const AkeOptions& options) {
  if (options.routes == 0 || options.routes > 65536)
    return base::Error{"--routes must be between 1 and 65536"};
  if (options.cpu && (*options.cpu < 0 || *options.cpu >= CPU_SETSIZE))
    return base::Error{"--cpu out of range"};
  const std::uint32_t routes = options.routes;

  auto pool = io::FramePool::create(2048, 8192);
  if (!pool) return pool.error();
  io::MemoryWire public_wire(**pool, 4096);  // a(): paris, b(): tokyo
  base::ManualClock clock;

  Gateway paris, tokyo;
  paris.private_wire = std::make_unique<io::MemoryWire>(**pool, 64);
  tokyo.private_wire = std::make_unique<io::MemoryWire>(**pool, 64);
  const config::GatewayConfig paris_config = make_config(1, 2, routes);
  const config::GatewayConfig tokyo_config = make_config(2, 1, routes);
  if (options.cpu)
    if (auto pinned = base::pin_current_thread(*options.cpu); !pinned) return pinned.error();
  auto pw = worker::Worker::create(paris_config, 1, paris.private_wire->b(), public_wire.a(), clock,
                                   paris.random);
  if (!pw) return base::Error{"paris: " + pw.error().message};
  paris.worker = std::move(pw).value();
  auto tw = worker::Worker::create(tokyo_config, 1, tokyo.private_wire->b(), public_wire.b(), clock,
                                   tokyo.random);
  if (!tw) return base::Error{"tokyo: " + tw.error().message};
  tokyo.worker = std::move(tw).value();

  const base::Nanoseconds virtual_limit =
      options.virtual_limit_seconds > 0
          ? static_cast<base::Nanoseconds>(options.virtual_limit_seconds * 1e9)
          : 120 * base::kSecond + routes * base::kSecond;
  const auto wall_limit = std::chrono::duration<double>(options.timeout_seconds);
  AkeReport report;
  report.routes = routes;
  // Completed exchanges (either role, both gateways) when last checked.
  const auto completions = [&] {
    const auto p = paris.worker->key_manager_counters(), t = tokyo.worker->key_manager_counters();
    return p.keypairs_negotiated + p.keypairs_offered + t.keypairs_negotiated + t.keypairs_offered;
  };
  std::uint64_t checked = 0;
  base::Nanoseconds next_check = 0;
  // The key managers knock on the first poll: the measurement starts here.
  const auto wall_start = std::chrono::steady_clock::now();
  const double cpu_start = thread_cpu_seconds();
  for (std::uint64_t idle_rounds = 0;;) {
    const std::size_t received = paris.worker->poll() + tokyo.worker->poll();
    if (received != 0 || !paris.idle() || !tokyo.idle() || public_wire.a().pending() != 0 ||
        public_wire.b().pending() != 0)
      continue;
    // Both idle: is everything keyed? Checked when exchanges completed and
    // every 100 virtual ms (a pending outbound SA activates on a timer).
    const std::uint64_t completed = completions();
    if (completed != checked || clock.now() >= next_check) {
      checked = completed;
      next_check = clock.now() + 100 * base::kMillisecond;
      if (paris.worker->key_manager()->routes_with_outbound_sa() == routes &&
          tokyo.worker->key_manager()->routes_with_outbound_sa() == routes) {
        count_keyed(*paris.worker, *tokyo.worker, routes, report.paris);
        count_keyed(*tokyo.worker, *paris.worker, routes, report.tokyo);
        if (report.paris.routes_keyed == routes && report.tokyo.routes_keyed == routes &&
            report.paris.routes_with_inbound == routes &&
            report.tokyo.routes_with_inbound == routes) {
          report.complete = true;
          break;
        }
      }
    }
    if (clock.now() >= virtual_limit) break;
    if ((++idle_rounds & 1023) == 0 && std::chrono::steady_clock::now() - wall_start > wall_limit)
      break;
    clock.advance(base::kMillisecond);
  }
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  report.cpu_seconds = thread_cpu_seconds() - cpu_start;
  report.virtual_seconds = static_cast<double>(clock.now()) / 1e9;
  fill_counters(*paris.worker, report.paris);
  fill_counters(*tokyo.worker, report.tokyo);
  if (!report.complete) {
    count_keyed(*paris.worker, *tokyo.worker, routes, report.paris);
    count_keyed(*tokyo.worker, *paris.worker, routes, report.tokyo);
  }
  report.exchanges = report.paris.completed + report.tokyo.completed;
  if (report.seconds > 0)
    report.exchanges_per_second = static_cast<double>(report.exchanges) / report.seconds;

  // Release what is still in flight before the pool goes.
  io::Packet* burst[64];
  for (io::MemoryPort* port : {&public_wire.a(), &public_wire.b()})
    while (const std::size_t n = port->receive(burst))
      for (std::size_t i = 0; i < n; ++i)
        port->release(burst[i]);
  return report;
}

}  // namespace strait::bench
