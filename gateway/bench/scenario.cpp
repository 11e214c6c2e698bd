#include "bench/scenario.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <cstdio>

#include "base/clock.hpp"
#include "config/gateway_config.hpp"
#include "esp/engine.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "worker/worker.hpp"

namespace strait::bench {

namespace {

using namespace strait::net;

constexpr std::uint8_t kPrivateIp[4] = {10, 0, 0, 1};
constexpr std::uint8_t kHostIp[4] = {10, 0, 0, 2};
constexpr std::uint8_t kPublicIp[4] = {172, 16, 0, 1};

// Route i covers 20.0.0.0/8 + i*256: 65,536 distinct /24s.
void route_destination(std::uint32_t route, std::uint8_t out[4]) {
  out[0] = static_cast<std::uint8_t>(20 + (route >> 16));
  out[1] = static_cast<std::uint8_t>(route >> 8);
  out[2] = static_cast<std::uint8_t>(route);
  out[3] = 1;
}

config::GatewayConfig make_config(std::uint32_t routes) {
  config::GatewayConfig c;
  c.family = Family::kIpv4;
  c.data_plane = true;
  c.private_interface.ip = Address::ipv4(kPrivateIp);
  c.private_interface.nexthop_ip = Address::ipv4(kHostIp);
  c.private_interface.mac = *Mac::parse("2a:bb:0a:00:00:01");
  c.private_interface.nexthop_mac = *Mac::parse("02:00:00:00:00:02");
  config::PublicInterface pub;
  pub.ip = Address::ipv4(kPublicIp);
  pub.nexthop_ip = Address::ipv4(kPublicIp);
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
    r.gateways.push_back({pub.ip, 1});
    r.spi = 1000 + i;
    c.routes.push_back(r);
    config::SecurityAssociation sa;
    sa.route = r.id;
    sa.spi = 256 + i;
    for (std::size_t k = 0; k < sa.key.size(); ++k) sa.key[k] = static_cast<std::uint8_t>(i * 7 + k);
    sa.salt = {1, 2, 3, static_cast<std::uint8_t>(i)};
    c.outbound_sas.push_back(sa);
    c.inbound_sas.push_back(sa);  // loopback: we receive what we send
  }
  return c;
}

// Writes an IPv4/UDP frame of `frame_size` bytes towards route `route`.
void write_frame(std::uint8_t* f, std::uint32_t frame_size, std::uint32_t route) {
  std::memset(f, 0, frame_size);
  const std::uint8_t gateway_mac[6] = {0x2a, 0xbb, 0x0a, 0, 0, 1};
  const std::uint8_t host_mac[6] = {0x02, 0, 0, 0, 0, 2};
  std::memcpy(f, gateway_mac, 6);
  std::memcpy(f + 6, host_mac, 6);
  store16(f + 12, kEthertypeIpv4);
  auto* ip = reinterpret_cast<Ipv4Header*>(f + kEthernetHeaderSize);
  const auto ip_length = static_cast<std::uint16_t>(frame_size - kEthernetHeaderSize);
  ip->version_ihl = 0x45;
  store16(ip->total_length, ip_length);
  ip->ttl = 64;
  ip->protocol = kProtocolUdp;
  std::memcpy(ip->source, kHostIp, 4);
  route_destination(route, ip->destination);
  store16(ip->checksum, checksum(f + kEthernetHeaderSize, kIpv4HeaderSize));
  std::uint8_t* udp = f + kEthernetHeaderSize + kIpv4HeaderSize;
  store16(udp, 4000);
  store16(udp + 2, 5000);
  store16(udp + 4, static_cast<std::uint16_t>(ip_length - kIpv4HeaderSize));
  for (std::uint32_t i = kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize; i < frame_size; ++i)
    f[i] = static_cast<std::uint8_t>(i);
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
  const std::uint32_t largest = *std::max_element(options.frame_sizes.begin(), options.frame_sizes.end());
  const std::uint32_t smallest = *std::min_element(options.frame_sizes.begin(), options.frame_sizes.end());
  if (smallest < kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize || largest > 8923 + kEthernetHeaderSize)
    return base::Error{"--size must be between 42 and 8937 bytes"};
  if (options.cpu && (*options.cpu < 0 || *options.cpu >= CPU_SETSIZE))
    return base::Error{"--cpu out of range"};

  // Frames large enough for the biggest packet plus tunnel overhead.
  const std::size_t frame_size = (sizeof(io::Packet) + io::kDefaultHeadroom + largest + 128 + 1023) / 1024 * 1024;
  auto pool = io::FramePool::create(frame_size, 8192);
  if (!pool) return pool.error();
  io::MemoryWire private_wire(**pool, 2048);
  io::MemoryLoopback public_loop(**pool, 2048);

  const config::GatewayConfig config = make_config(options.routes);
  base::SystemClock clock;
  auto worker = worker::Worker::create(config, 1, private_wire.b(), public_loop.port(), clock);
  if (!worker) return worker.error();

  // One template per size; destinations are patched per packet.
  std::vector<std::vector<std::uint8_t>> templates;
  for (std::uint32_t size : options.frame_sizes) {
    templates.emplace_back(size);
    write_frame(templates.back().data(), size, 0);
  }

  Report report;
  if (auto engine = esp::Engine::create()) report.esp_architecture = (*engine)->architecture();
  std::atomic<bool> done{false};
  std::atomic<bool> started{false};
  std::atomic<std::uint64_t> first_ns{0}, last_ns{0};

  // Generator and sink: keeps the private input full, verifies and counts
  // what comes out.
  std::thread generator([&] {
    io::MemoryPort& host = private_wire.a();
    io::Packet* batch[64];
    std::uint64_t sent = 0, received = 0;
    std::uint32_t route = 0;
    std::size_t size_index = 0;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(options.timeout_seconds);
    auto last_progress = std::chrono::steady_clock::now();
    while (received < options.packets) {
      // Send.
      if (sent < options.packets && host.transmit_room() >= 64) {
        const std::size_t want = std::min<std::uint64_t>(64, options.packets - sent);
        const std::size_t n = (*pool)->allocate_batch(batch, want);
        for (std::size_t i = 0; i < n; ++i) {
          const auto& t = templates[size_index];
          if (++size_index == templates.size()) size_index = 0;
          io::Packet* p = batch[i];
          std::memcpy(p->data, t.data(), t.size());
          p->length = static_cast<std::uint32_t>(t.size());
          if (options.routes > 1) {
            auto* ip = reinterpret_cast<Ipv4Header*>(p->data + kEthernetHeaderSize);
            route_destination(route, ip->destination);
            store16(ip->checksum, 0);
            store16(ip->checksum, checksum(p->data + kEthernetHeaderSize, kIpv4HeaderSize));
            if (++route == options.routes) route = 0;
          }
        }
        if (!started.load(std::memory_order_relaxed) && n > 0) {
          first_ns = clock.now();
          started = true;
        }
        host.transmit({batch, n});
        sent += n;
      }
      // Receive and verify: a decapsulated UDP packet from the host, TTL 62.
      const std::size_t got = host.receive(batch);
      for (std::size_t i = 0; i < got; ++i) {
        io::Packet* p = batch[i];
        const auto* ip = reinterpret_cast<const Ipv4Header*>(p->data + kEthernetHeaderSize);
        const bool ok = p->length >= kEthernetHeaderSize + kIpv4HeaderSize &&
                        load16(p->data + 12) == kEthertypeIpv4 && ip->ttl == 62 &&
                        ip->protocol == kProtocolUdp && std::memcmp(ip->source, kHostIp, 4) == 0;
        report.corrupted += !ok;
        report.bytes += p->length;
        host.release(p);
      }
      received += got;
      const auto now = std::chrono::steady_clock::now();
      if (got) {
        last_ns = clock.now();
        last_progress = now;
      } else if (sent == options.packets && now - last_progress > std::chrono::seconds(1)) {
        break;  // the rest were dropped
      }
      if (now > deadline) break;
    }
    report.sent = sent;
    report.received = received;
    done = true;
  });

  if (options.cpu) pin_to(*options.cpu);
  while (!done.load(std::memory_order_relaxed)) (*worker)->poll();
  generator.join();
  {
    auto& w = **worker;
    std::fprintf(stderr, "DBG priv rx %lu txdrop %lu tx %lu | pub rx %lu tx %lu txdrop %lu txerr %lu | route_err %lu pubroute %lu disp %lu %lu %lu\n",
      w.private_port().counters().rxpackets, w.private_port().counters().txdrop, w.private_port().counters().txpackets,
      w.public_port().counters().rxpackets, w.public_port().counters().txpackets, w.public_port().counters().txdrop, w.public_port().counters().txerrors,
      w.private_router().route_errors, w.public_router().route_errors, w.public_dispatch().protocol_errors, w.public_dispatch().rxerrors, w.private_dispatch().rxerrors);
  }

  report.seconds = static_cast<double>(last_ns - first_ns) / 1e9;
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
