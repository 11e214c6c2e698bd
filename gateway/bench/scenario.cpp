#include "bench/scenario.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "base/clock.hpp"
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

config::GatewayConfig make_config(std::uint32_t routes) {
  config::GatewayConfig c;
  c.family = Family::kIpv4;
  c.data_plane = true;
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
    c.routes.push_back(r);
    config::SecurityAssociation sa;
    sa.route = r.id;
    sa.spi = 256 + i;
    for (std::size_t k = 0; k < sa.key.size(); ++k)
      sa.key[k] = static_cast<std::uint8_t>(i * 7 + k);
    sa.salt = {1, 2, 3, static_cast<std::uint8_t>(i)};
    c.outbound_sas.push_back(sa);
    c.inbound_sas.push_back(sa);  // we receive what we send
  }
  return c;
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

}  // namespace

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

  // Frames large enough for the biggest packet plus tunnel overhead.
  const std::size_t frame_size =
      (sizeof(io::Packet) + io::kDefaultHeadroom + *largest + 128 + 1023) / 1024 * 1024;
  auto pool = io::FramePool::create(frame_size, 4096);
  if (!pool) return pool.error();
  io::MemoryWire private_wire(**pool, 2048);
  io::MemoryLoopback public_loop(**pool, 2048);

  base::SystemClock clock;
  base::SystemRandom random;
  auto worker = worker::Worker::create(make_config(options.routes), 1, private_wire.b(),
                                       public_loop.port(), clock, random);
  if (!worker) return worker.error();
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
    if (options.cpu) pin_to(*options.cpu);
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
    if (options.cpu) pin_to(*options.cpu);
    while (!done.load(std::memory_order_relaxed))
      (*worker)->poll();
    host.join();
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
