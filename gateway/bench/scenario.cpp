#include "bench/scenario.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>

#include "base/clock.hpp"
#include "base/cpu_affinity.hpp"
#include "bench/bench_port.hpp"
#include "bench/checks.hpp"
#include "bench/crypto_loop.hpp"
#include "bench/plan.hpp"
#include "bench/thread_clock.hpp"
#include "bench/traffic.hpp"
#include "config/gateway_config.hpp"
#include "io/frame_pool.hpp"
#include "net/headers.hpp"
#include "worker/worker.hpp"

namespace strait::bench {

namespace {

using namespace strait::net;
using Steady = std::chrono::steady_clock;

constexpr Addresses kAddresses{{0x2a, 0xbb, 0x0a, 0, 0, 1},
                               {0x02, 0, 0, 0, 0, 2},
                               {10, 0, 0, 2},
                               {0x3a, 0xbb, 0xac, 0x10, 0, 1},
                               {172, 16, 0, 1}};
constexpr std::uint8_t kPrivateIp[4] = {10, 0, 0, 1};
constexpr std::size_t kInFlight = 512;  // at most, per queue
constexpr std::size_t kRingSize = 2048;
constexpr std::size_t kFrames = 4096;

// A queue's configuration: its share of the routes, with static SAs (data
// plane) or pre-shared keys for the key manager. Every route's key, salt
// and SPIs are its own.
config::GatewayConfig make_config(const Options& options, const TrafficPlan& plan,
                                  bool swap_first_two) {
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
  pub.ip = Address::ipv4(kAddresses.public_ip);
  pub.nexthop_ip = pub.ip;
  std::memcpy(pub.mac.bytes.data(), kAddresses.public_mac, 6);
  pub.nexthop_mac = pub.mac;  // looped back to itself
  c.public_interfaces.push_back(pub);
  for (std::uint32_t k = 0; k < plan.route_count(); ++k) {
    const std::uint32_t g = plan.route(k);
    config::Route r;
    r.id = "r" + std::to_string(g);
    std::uint8_t net_bytes[4];
    // The test hook: the first two routes' prefixes swapped.
    route_destination(swap_first_two && k < 2 ? plan.route(1 - k) : g, net_bytes);
    net_bytes[3] = 0;
    r.net = Prefix{Address::ipv4(net_bytes), 24};
    r.gateways.push_back({pub.ip, 1});  // the loopback case of PROTOCOL.md 2.4
    r.spi = 1000 + g;
    if (options.key_exchange) {
      for (std::size_t i = 0; i < r.preshared_key.size(); ++i)
        r.preshared_key[i] = static_cast<std::uint8_t>(i < 4 ? g >> (8 * i) : i * 13 + 7);
      c.routes.push_back(std::move(r));
      continue;
    }
    c.routes.push_back(r);
    config::SecurityAssociation sa;
    sa.route = r.id;
    sa.spi = kFirstSpi + g;
    for (std::size_t i = 0; i < sa.key.size(); ++i)
      sa.key[i] = static_cast<std::uint8_t>(i < 4 ? g >> (8 * i) : i * 37 + 11);
    const std::array<std::uint8_t, 4> salt = {0xa5, static_cast<std::uint8_t>(g >> 16),
                                              static_cast<std::uint8_t>(g >> 8),
                                              static_cast<std::uint8_t>(g)};
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
base::Status fast_forward(worker::Worker& worker, BenchPort& public_port, OffsetClock& clock,
                          const Options& options, std::uint32_t routes, KeyExchangeReport& report) {
  const keymanager::KeyManager& key_manager = *worker.key_manager();
  const io::SpscRing& control = *worker.control_queue();
  const base::Nanoseconds start = clock.now();
  const auto wall_start = Steady::now();
  const auto wall_limit = std::chrono::duration<double>(options.timeout_seconds);
  const base::Nanoseconds limit = static_cast<base::Nanoseconds>(
      (options.keying_limit_seconds > 0 ? options.keying_limit_seconds
                                        : 60 + 0.1 * routes + options.sa_ttl) *
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
      if (keyed == routes && !all_keyed) {
        all_keyed = true;
        report.keying_virtual_seconds = virtual_seconds();
      }
      if (keyed == routes && key_manager.counters().outbound_sa_updated != 0) break;
    }
    if (options.progress && now >= next_progress) {
      next_progress = now + 60 * base::kSecond;
      options.progress(static_cast<std::uint32_t>(keyed), virtual_seconds());
    }
    if (now - start >= limit ||
        ((++idle_rounds & 1023) == 0 && Steady::now() - wall_start > wall_limit))
      return base::Error{"key exchange: " + std::to_string(keyed) + " of " +
                         std::to_string(routes) + " routes had an outbound SA, and " +
                         std::to_string(key_manager.counters().outbound_sa_updated) +
                         " rekeys had taken effect, after " + std::to_string(virtual_seconds()) +
                         " virtual seconds"};
    clock.advance(base::kMillisecond);
  }
  report.routes_keyed = static_cast<std::uint32_t>(keyed);
  report.fast_forward_virtual_seconds = virtual_seconds();
  report.keying_seconds = std::chrono::duration<double>(Steady::now() - wall_start).count();
  return base::Ok{};
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Busy for `nanoseconds` (by the steady clock, which is cheap to read: the
// thread's CPU clock is a system call that would add its own time).
void spin_for(double nanoseconds) {
  const auto until =
      Steady::now() + std::chrono::nanoseconds(static_cast<std::int64_t>(nanoseconds));
  while (Steady::now() < until) {
  }
}

// The lowest CPU of a set, -1 if none.
int first_cpu(const cpu_set_t& set) {
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) return cpu;
  return -1;
}

// One queue: its gateway worker, wires, hosts, checks and crypto-only loop.
class Queue {
 public:
  Queue(const Options& options, std::uint32_t index, const cpu_set_t& all_cpus)
      : options_(options),
        index_(index),
        all_cpus_(all_cpus),
        plan_(options.frame_sizes, index, options.queues,
              (options.routes - index + options.queues - 1) / options.queues) {}

  base::Status build() {
    const std::uint32_t largest =
        *std::max_element(options_.frame_sizes.begin(), options_.frame_sizes.end());
    // Frames large enough for the biggest packet plus tunnel overhead.
    const std::size_t frame_size =
        (sizeof(io::Packet) + io::kDefaultHeadroom + largest + 128 + 1023) / 1024 * 1024;
    auto pool = io::FramePool::create(frame_size, kFrames);
    if (!pool) return pool.error();
    pool_ = std::move(pool).value();
    wire_ = std::make_unique<BenchWire>(*pool_, kRingSize);
    loop_ = std::make_unique<BenchLoop>(*pool_, kRingSize);
    esp_check_ = std::make_unique<EspCheck>(kAddresses, plan_);
    loop_->port().set_inspector(esp_check_.get());

    const Fault& fault = options_.fault;
    const bool faulty = index_ == 0 && fault.kind != Fault::Kind::kNone;
    if (faulty) {
      switch (fault.kind) {
        case Fault::Kind::kCorruptPayload:
          private_fault_ =
              std::make_unique<PrivateFault>(PrivateFault::Kind::kCorruptPayload, fault.packet);
          break;
        case Fault::Kind::kRewriteDestination:
          private_fault_ =
              std::make_unique<PrivateFault>(PrivateFault::Kind::kRewriteDestination, fault.packet);
          break;
        case Fault::Kind::kDrop:
          private_fault_ = std::make_unique<PrivateFault>(PrivateFault::Kind::kDrop, fault.packet);
          break;
        case Fault::Kind::kCorruptCiphertext:
          esp_check_->corrupt_ciphertext_of(fault.packet);
          break;
        case Fault::Kind::kSwapRoutes:
          if (plan_.route_count() < 2) return base::Error{"the kSwapRoutes fault needs 2 routes"};
          break;
        case Fault::Kind::kNone:
          break;
      }
      wire_->gateway().set_inspector(private_fault_.get());
    }

    auto worker = worker::Worker::create(
        make_config(options_, plan_, faulty && fault.kind == Fault::Kind::kSwapRoutes), 1,
        wire_->gateway(), loop_->port(), clock_, random_);
    if (!worker) return worker.error();
    worker_ = std::move(worker).value();
    if (options_.key_exchange) esp_check_->use_negotiated_sas(&worker_->sas());

    std::size_t in_flight = kInFlight - kInFlight % plan_.size_count();
    if (in_flight == 0) in_flight = plan_.size_count();
    traffic_ = std::make_unique<Traffic>(*pool_, wire_->host(), kAddresses, plan_, in_flight);
    auto crypto = CryptoLoop::create(plan_, in_flight, frame_size);
    if (!crypto) return crypto.error();
    crypto_ = std::move(crypto).value();
    return base::Ok{};
  }

  base::Status key(const Options& options) {
    keying_.emplace();
    if (auto done =
            fast_forward(*worker_, loop_->port(), clock_, options, plan_.route_count(), *keying_);
        !done)
      return done.error();
    // Nothing of ours is on the LAN yet: anything there is not traffic.
    io::Packet* stray[64];
    while (const std::size_t n = wire_->host().receive(stray))
      for (std::size_t i = 0; i < n; ++i)
        wire_->host().release(stray[i]);
    before_ = worker_->key_manager_counters();
    keying_->keying_negotiations_expired = before_.negotiations_expired;
    keying_->keying_messages_dropped = before_.rxerrors;
    return base::Ok{};
  }

  // One round of `packets` through the gateway; nanoseconds per packet
  // of this thread's CPU time (with --host-thread, of wall time: two
  // threads do the work). `start` and `end` receive the round's wall
  // times.
  base::Result<double> pipeline(std::uint64_t packets, Steady::time_point deadline,
                                Steady::time_point& start, Steady::time_point& end) {
    start = Steady::now();
    const double cpu_start = thread_cpu_ns();
    if (!traffic_->start(packets)) return base::Error{"the frame pool ran out of frames"};
    base::Status status =
        options_.host_thread ? hosts_on_their_thread(deadline) : hosts_on_this_core(deadline);
    const double cpu = thread_cpu_ns() - cpu_start;
    end = Steady::now();
    if (!status) return status.error();
    const double wall = std::chrono::duration<double, std::nano>(end - start).count();
    return (options_.host_thread ? wall : cpu) / static_cast<double>(packets);
  }

  base::Result<double> crypto(std::uint64_t packets) { return crypto_->run(packets); }

  // Static SAs: each route's pair carried exactly the packets the plan put
  // on the route (a packet sent under another route's SA would also show
  // on the public loop, EspCheck).
  base::Status check_sa_counts() const {
    if (options_.key_exchange) return base::Ok{};
    const std::uint64_t sent = traffic_->sent();
    for (std::uint32_t k = 0; k < plan_.route_count(); ++k) {
      const std::uint32_t g = plan_.route(k);
      const std::uint64_t planned = plan_.packets_on(k, sent);
      const esp::OutboundSa* out = worker_->sas().outbound(k);
      const esp::InboundSa* in = worker_->sas().inbound(kFirstSpi + g);
      if (out == nullptr || in == nullptr)
        return base::Error{"route r" + std::to_string(g) + " lost its SAs"};
      if (out->last_sequence() != planned || in->window().highest() != planned ||
          in->counters.decrypt_errors != 0 || in->counters.protocol_errors != 0 ||
          in->counters.rxerrors != 0)
        return base::Error{"route r" + std::to_string(g) + ": its outbound SA sent " +
                           std::to_string(out->last_sequence()) + " packets and its inbound SA " +
                           "accepted up to " + std::to_string(in->window().highest()) + " (" +
                           std::to_string(in->counters.decrypt_errors) +
                           " decrypt errors), where the plan put " + std::to_string(planned) +
                           " on it"};
    }
    return base::Ok{};
  }

  void finish_keying() {
    if (!keying_) return;
    const state::KeyManagerCounters after = worker_->key_manager_counters();
    keying_->exchanges = after.keypairs_negotiated - before_.keypairs_negotiated;
    keying_->initiated = after.negotiations_initiated - before_.negotiations_initiated;
    keying_->outbound_sa_updated = after.outbound_sa_updated - before_.outbound_sa_updated;
    keying_->outbound_sa_expired = after.outbound_sa_expired - before_.outbound_sa_expired;
    keying_->negotiations_expired = after.negotiations_expired - before_.negotiations_expired;
    keying_->rxerrors = after.rxerrors - before_.rxerrors;
    keying_->routes_keyed_after =
        static_cast<std::uint32_t>(worker_->key_manager()->routes_with_outbound_sa());
  }

  const Traffic& traffic() const { return *traffic_; }
  const std::optional<KeyExchangeReport>& keying() const { return keying_; }
  const char* esp_implementation() const { return worker_->esp_implementation(); }
  std::uint32_t route_count() const { return plan_.route_count(); }

 private:
  // The first error seen: what the checks found, else a packet overdue.
  base::Status failure() const {
    if (esp_check_->failed()) return base::Error{esp_check_->failure()};
    if (traffic_->failed()) return base::Error{traffic_->failure()};
    return base::Ok{};
  }
  base::Status overdue(double seconds) const {
    const std::uint64_t due = traffic_->received();
    return base::Error{"no packet came out of the gateway for " + std::to_string(seconds) +
                       " s: packet " + std::to_string(due) + " and the " +
                       std::to_string(traffic_->sent() - due - 1) + " sent after it are lost (" +
                       std::to_string(due) + " came out as sent)"};
  }

  // Where a round's hosts stand, watched every 256 of their steps: when a
  // packet last came out, and the deadline of the whole run.
  struct Watch {
    std::uint64_t seen;
    Steady::time_point progress;
    Steady::time_point deadline;
  };
  Watch watch(Steady::time_point deadline) const {
    return {traffic_->received(), Steady::now(), deadline};
  }

  // One step of the hosts (send, receive, check): nothing while the round
  // goes on, else how it ended (Ok when every packet came out as sent).
  std::optional<base::Status> host_step(std::uint64_t round, Watch& watch) {
    const std::size_t got = traffic_->step();
    if (esp_check_->failed() || traffic_->failed()) [[unlikely]]
      return failure();
    if (traffic_->round_done()) return base::Ok{};
    if (options_.pipeline_delay_ns > 0 && got != 0)
      spin_for(options_.pipeline_delay_ns * static_cast<double>(got));
    if ((round & 255) == 0) {
      const auto now = Steady::now();
      if (traffic_->received() != watch.seen) {
        watch.seen = traffic_->received();
        watch.progress = now;
      } else if (now - watch.progress > std::chrono::duration<double>(options_.stall_seconds)) {
        return overdue(options_.stall_seconds);
      }
      if (now > watch.deadline) return base::Error{"the run's time limit passed"};
    }
    return std::nullopt;
  }

  base::Status hosts_on_this_core(Steady::time_point deadline) {
    Watch w = watch(deadline);
    for (std::uint64_t round = 1;; ++round) {
      worker_->poll();
      if (std::optional<base::Status> end = host_step(round, w)) return *end;
    }
  }

  base::Status hosts_on_their_thread(Steady::time_point deadline) {
    std::atomic<bool> done{false};
    base::Status status = base::Ok{};
    const int gateway_cpu = sched_getcpu();
    std::thread host([&] {
      // On another CPU than the gateway's (a thread starts with its
      // creator's), the first other one the process may use.
      cpu_set_t others = all_cpus_;
      if (gateway_cpu >= 0) CPU_CLR(gateway_cpu, &others);
      if (const int cpu = first_cpu(others); cpu >= 0) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        pthread_setaffinity_np(pthread_self(), sizeof one, &one);
      }
      Watch w = watch(deadline);
      for (std::uint64_t round = 1;; ++round) {
        if (std::optional<base::Status> end = host_step(round, w)) {
          status = std::move(*end);
          break;
        }
      }
      done.store(true, std::memory_order_release);
    });
    while (!done.load(std::memory_order_acquire))
      worker_->poll();
    host.join();
    return status;
  }

  const Options& options_;
  std::uint32_t index_;
  const cpu_set_t& all_cpus_;
  TrafficPlan plan_;
  std::unique_ptr<io::FramePool> pool_;
  std::unique_ptr<BenchWire> wire_;
  std::unique_ptr<BenchLoop> loop_;
  std::unique_ptr<EspCheck> esp_check_;
  std::unique_ptr<PrivateFault> private_fault_;
  OffsetClock clock_;
  base::SystemRandom random_;
  std::unique_ptr<worker::Worker> worker_;
  std::unique_ptr<Traffic> traffic_;
  std::unique_ptr<CryptoLoop> crypto_;
  std::optional<KeyExchangeReport> keying_;
  state::KeyManagerCounters before_;
};

// What the queues' threads share: the rounds' figures and the first error.
struct Run {
  explicit Run(const Options& o)
      : options(o),
        all_cpus([] {
          cpu_set_t set;
          CPU_ZERO(&set);
          sched_getaffinity(0, sizeof set, &set);
          return set;
        }()),
        sync(static_cast<std::ptrdiff_t>(o.queues)),
        queues(o.queues),
        pipeline_ns(o.queues, std::vector<double>(o.rounds)),
        crypto_ns(o.queues, std::vector<double>(o.rounds)),
        starts(o.queues, std::vector<Steady::time_point>(o.rounds)),
        ends(o.queues, std::vector<Steady::time_point>(o.rounds)),
        solo_ns(o.rounds),
        solo_seconds(o.rounds) {}

  void fail(const base::Error& error) {
    const std::lock_guard lock(mutex);
    if (message.empty()) message = error.message;
    abort.store(true);
  }
  bool aborted() const { return abort.load(); }

  const Options& options;
  cpu_set_t all_cpus;  // where the process may run (the hosts' thread)
  std::barrier<> sync;
  std::atomic<bool> abort{false};
  std::mutex mutex;
  std::string message;
  std::vector<std::unique_ptr<Queue>> queues;
  std::vector<std::vector<double>> pipeline_ns, crypto_ns;
  std::vector<std::vector<Steady::time_point>> starts, ends;
  std::vector<double> solo_ns, solo_seconds;  // queue 0 alone: per packet, the round's wall time
};

std::uint64_t round_packets(const Options& o, std::uint32_t round) {
  return o.packets / o.rounds + (round < o.packets % o.rounds ? 1 : 0);
}

// Queue q's thread: built, keyed, then every round in step with the others.
void queue_thread(Run& run, std::uint32_t q, Steady::time_point deadline) {
  const Options& o = run.options;
  // Several queues, or the hosts on a thread of their own: each busy
  // thread on a CPU of its own (two spinning threads left to share one
  // until the scheduler moves one run at a fraction of their speed).
  if (o.cpu || o.queues > 1 || o.host_thread)
    if (const base::Status pinned =
            base::pin_current_thread(o.cpu.value_or(first_cpu(run.all_cpus)) + static_cast<int>(q));
        !pinned)
      run.fail(pinned.error());
  if (!run.aborted()) {
    auto queue = std::make_unique<Queue>(o, q, run.all_cpus);
    if (const base::Status built = queue->build(); !built)
      run.fail(built.error());
    else
      run.queues[q] = std::move(queue);
  }
  run.sync.arrive_and_wait();
  Queue* queue = run.queues[q].get();
  if (!run.aborted() && o.key_exchange)
    if (const base::Status keyed = queue->key(o); !keyed) run.fail(keyed.error());
  for (std::uint32_t r = 0; r < o.rounds; ++r) {
    const std::uint64_t packets = round_packets(o, r);
    // Alternating which goes first: neither always follows the other.
    for (int phase = 0; phase < 2; ++phase) {
      run.sync.arrive_and_wait();
      if (run.aborted()) continue;
      if ((phase == 0) == (r % 2 == 0)) {
        auto ns = queue->crypto(packets);
        if (!ns)
          run.fail(ns.error());
        else
          run.crypto_ns[q][r] = *ns;
      } else {
        auto ns = queue->pipeline(packets, deadline, run.starts[q][r], run.ends[q][r]);
        if (!ns)
          run.fail(base::Error{"queue " + std::to_string(q) + ": " + ns.error().message});
        else
          run.pipeline_ns[q][r] = *ns;
      }
    }
    if (o.queues > 1) {
      run.sync.arrive_and_wait();
      if (q == 0 && !run.aborted()) {
        Steady::time_point start, end;
        auto ns = queue->pipeline(packets, deadline, start, end);
        if (!ns) {
          run.fail(base::Error{"queue 0 alone: " + ns.error().message});
        } else {
          run.solo_ns[r] = *ns;
          run.solo_seconds[r] = std::chrono::duration<double>(end - start).count();
        }
      }
    }
  }
  run.sync.arrive_and_wait();
  if (!run.aborted()) {
    if (const base::Status counts = queue->check_sa_counts(); !counts)
      run.fail(base::Error{"queue " + std::to_string(q) + ": " + counts.error().message});
    queue->finish_keying();
  }
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
  if (options.queues == 0 || options.queues > 64)
    return base::Error{"--queues must be between 1 and 64"};
  if (options.routes < options.queues)
    return base::Error{"--routes must be at least --queues (each queue has routes of its own)"};
  if (options.rounds == 0 || options.rounds > 1000)
    return base::Error{"--rounds must be between 1 and 1000"};
  if (options.packets < options.rounds) return base::Error{"--packets must be at least --rounds"};
  if (options.frame_sizes.empty()) return base::Error{"no frame size"};
  const auto [smallest, largest] =
      std::minmax_element(options.frame_sizes.begin(), options.frame_sizes.end());
  if (*smallest < kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize ||
      *largest > 8923 + kEthernetHeaderSize)
    return base::Error{"--size must be between 42 and 8937 bytes"};
  if (options.cpu &&
      (*options.cpu < 0 || *options.cpu + static_cast<int>(options.queues) > CPU_SETSIZE))
    return base::Error{"--cpu out of range"};
  if (options.key_exchange && (options.sa_ttl == 0 || options.negotiation_ttl == 0))
    return base::Error{"--sa-ttl and --negotiation-ttl must be at least 1 second"};
  if (options.queues > 1 && (options.key_exchange || options.host_thread))
    return base::Error{
        "--queues above 1 runs static SAs with the hosts on each queue's core "
        "(not with --key-exchange or --host-thread)"};
  // The calibration of the ESP code paths runs here, not in a round.
  if (const auto engine = esp::Engine::create(); !engine) return engine.error();

  Run shared(options);
  const auto deadline = Steady::now() + std::chrono::duration_cast<Steady::duration>(
                                            std::chrono::duration<double>(options.timeout_seconds));
  {
    std::vector<std::thread> threads;
    for (std::uint32_t q = 0; q < options.queues; ++q)
      threads.emplace_back(queue_thread, std::ref(shared), q, deadline);
    for (auto& t : threads)
      t.join();
  }
  if (shared.aborted()) return base::Error{shared.message};

  Report report;
  const double average_frame =
      static_cast<double>(std::accumulate(options.frame_sizes.begin(), options.frame_sizes.end(),
                                          std::uint64_t{0})) /
      static_cast<double>(options.frame_sizes.size());
  const std::uint32_t n = options.queues;
  std::uint64_t together = 0;  // packets of the rounds with every queue running
  for (std::uint32_t r = 0; r < options.rounds; ++r) {
    double pipeline = 0, crypto = 0, ratio = 0;
    auto first = shared.starts[0][r], last = shared.ends[0][r];
    for (std::uint32_t q = 0; q < n; ++q) {
      pipeline += shared.pipeline_ns[q][r] / n;
      crypto += shared.crypto_ns[q][r] / n;
      ratio += shared.pipeline_ns[q][r] / shared.crypto_ns[q][r] / n;
      first = std::min(first, shared.starts[q][r]);
      last = std::max(last, shared.ends[q][r]);
    }
    report.pipeline_ns_rounds.push_back(pipeline);
    report.crypto_ns_rounds.push_back(crypto);
    report.ratio_rounds.push_back(ratio);
    const double wall = std::chrono::duration<double>(last - first).count();
    report.seconds += wall;
    together += round_packets(options, r) * n;
    if (n > 1) {
      const auto packets = static_cast<double>(round_packets(options, r));
      report.scaling_rounds.push_back(packets * n / wall / (packets / shared.solo_seconds[r]));
      double rates = 0;
      for (std::uint32_t q = 0; q < n; ++q)
        rates += 1 / shared.pipeline_ns[q][r];
      report.scaling_cpu_rounds.push_back(rates * shared.solo_ns[r]);
    }
  }
  report.pipeline_ns = median(report.pipeline_ns_rounds);
  report.crypto_ns = median(report.crypto_ns_rounds);
  report.ratio = median(report.ratio_rounds);
  report.mpps = static_cast<double>(together) / report.seconds / 1e6;
  report.gbps = report.mpps * average_frame * 8 / 1e3;
  if (n > 1) {
    report.scaling = median(report.scaling_rounds);
    report.scaling_cpu = median(report.scaling_cpu_rounds);
    std::vector<double> solo_mpps;
    for (std::uint32_t r = 0; r < options.rounds; ++r)
      solo_mpps.push_back(static_cast<double>(round_packets(options, r)) / shared.solo_seconds[r] /
                          1e6);
    report.single_queue_mpps = median(solo_mpps);
  }
  for (const auto& q : shared.queues) {
    report.packets += q->traffic().received();
    report.bytes += q->traffic().bytes();
  }
  report.in_flight = shared.queues[0]->traffic().in_flight();
  report.sa_counts_checked = !options.key_exchange;
  report.esp_architecture = shared.queues[0]->esp_implementation();
  report.key_exchange = shared.queues[0]->keying();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  report.peak_rss_kib = static_cast<std::uint64_t>(usage.ru_maxrss);
  return report;
}

}  // namespace strait::bench
