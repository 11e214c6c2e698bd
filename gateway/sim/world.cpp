#include "sim/world.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/log.hpp"
#include "config/syntax_tree.hpp"
#include "net/headers.hpp"
#include "replay/frame_steering.hpp"
#include "sim/state_path.hpp"
#include "testing/frame_builder.hpp"
#include "worker/worker.hpp"

namespace strait::sim {

namespace {

// Every run starts at 2026-01-01T00:00:00Z on the gateways' clocks.
constexpr base::Nanoseconds kStart = 1'767'225'600ull * base::kSecond;
constexpr std::size_t kBurst = worker::Worker::kBurst;
constexpr int kMaxRoundsPerInstant = 100'000;
constexpr std::uint16_t kFlowPort = 7700;

std::string seconds(base::Nanoseconds t) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(t) / 1e9);
  return text;
}

std::uint64_t mix(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ull * (i + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace

World::World(const Scenario& scenario, const RunOptions& options)
    : scenario_(scenario), options_(options) {}

World::~World() {
  base::set_log_clock(nullptr);
  // The gateways hold frames of the internet's and the LANs' pools: they
  // go first.
  gateways_.clear();
  internet_.reset();
  taps_.clear();
}

base::Result<std::unique_ptr<World>> World::create(const Scenario& scenario,
                                                   const RunOptions& options) {
  std::unique_ptr<World> world(new World(scenario, options));
  if (auto built = world->build(); !built) return built.error();
  return world;
}

std::size_t World::region_index(const std::string& name) const {
  for (std::size_t i = 0; i < scenario_.regions.size(); ++i)
    if (scenario_.regions[i].name == name) return i;
  return 0;
}

base::Status World::build() {
  start_ = kStart;
  end_ = start_ + (options_.until ? *options_.until : scenario_.duration);
  clock_.set(start_);
  base::set_log_clock(&clock_);  // the gateways' log lines carry virtual time
  auto pool = io::FramePool::create(2048, 8192);
  if (!pool) return pool.error();
  lan_pool_ = std::move(pool).value();
  for (std::size_t i = 0; i < scenario_.regions.size(); ++i) {
    const RegionSpec& spec = scenario_.regions[i];
    auto gateway = SimGateway::create(spec.name, spec.config_text, spec.config_path, clock_,
                                      mix(options_.seed, i));
    if (!gateway) return base::Error{"region " + spec.name + ": " + gateway.error().message};
    Region region;
    region.host = (*gateway)->config().private_interface.nexthop_ip;
    region.router = std::make_unique<replay::SimulatedNeighbor>(region.host);
    regions_.push_back(std::move(region));
    gateways_.push_back(std::move(gateway).value());
  }
  internet_ = std::make_unique<Internet>(gateways_, scenario_.links, mix(options_.seed, 1000));
  for (std::size_t r = 0; r < scenario_.regions.size(); ++r)
    if (!scenario_.regions[r].nat.empty())
      internet_->set_nat(r, *net::Address::parse(scenario_.regions[r].nat));
  for (const std::string& name : options_.pcap_links) {
    bool found = false;
    for (std::size_t a = 0; a < gateways_.size() && !found; ++a)
      for (std::size_t b = 0; b < gateways_.size() && !found; ++b)
        if (a != b && gateways_[a]->name() + "-" + gateways_[b]->name() == name) {
          tapped_.emplace_back(a, b);
          found = true;
        }
    if (!found)
      return base::Error{"--pcap " + name + ": no such link (a link is REGION-REGION, e.g. " +
                         gateways_[0]->name() + "-" + gateways_[1]->name() + ")"};
    if (options_.out_dir.empty()) return base::Error{"--pcap needs --out DIR"};
  }
  if (!options_.out_dir.empty()) {
    std::error_code error;
    std::filesystem::create_directories(options_.out_dir, error);
    if (error)
      return base::Error{options_.out_dir + ": cannot create the directory: " + error.message()};
    for (const auto& [a, b] : tapped_) {
      auto tap = io::PcapPort::open(
          *lan_pool_, "",
          (std::filesystem::path(options_.out_dir) / (internet_->link_name(a, b) + ".pcap"))
              .string(),
          clock_);
      if (!tap) return tap.error();
      taps_.push_back(std::move(tap).value());
    }
  }
  internet_->set_tap([this](std::size_t from, std::size_t to, std::size_t queue,
                            std::span<const std::uint8_t> frame) {
    invariants_.public_frame(*gateways_[from], queue, frame, since_start());
    for (std::size_t t = 0; t < tapped_.size(); ++t) {
      const auto& [a, b] = tapped_[t];
      if (!((a == from && b == to) || (a == to && b == from))) continue;
      io::Packet* p = lan_pool_->allocate();
      if (p == nullptr) continue;
      std::memcpy(p->data, frame.data(), frame.size());
      p->length = static_cast<std::uint32_t>(frame.size());
      taps_[t]->transmit({&p, 1});
    }
  });
  const base::Nanoseconds duration = end_ - start_;
  for (std::size_t i = 0; i < scenario_.flows.size(); ++i) {
    const FlowSpec& spec = scenario_.flows[i];
    const std::size_t from = region_index(spec.from), to = region_index(spec.to);
    if (regions_[from].host.family != regions_[to].host.family)
      return base::Error{"flow " + spec.name + ": " + spec.from + " and " + spec.to +
                         " are of different address families"};
    const base::Nanoseconds stop =
        spec.stop ? *spec.stop
                  : (duration > 5 * base::kSecond ? duration - 5 * base::kSecond : duration);
    flows_.emplace_back(spec, static_cast<std::uint32_t>(i), regions_[from].host, regions_[to].host,
                        start_ + spec.start, start_ + std::max(stop, spec.start));
    flow_from_.push_back(from);
    flow_to_.push_back(to);
  }
  std::stable_sort(scenario_.events.begin(), scenario_.events.end(),
                   [](const EventSpec& a, const EventSpec& b) { return a.at < b.at; });
  next_sample_ = start_;
  return base::Ok{};
}

void World::host_send(std::size_t region, std::vector<std::uint8_t> ip) {
  SimGateway& gateway = *gateways_[region];
  const auto frame =
      testing::ip_frame(gateway.config().private_interface.mac, regions_[region].router->mac(), ip);
  io::Packet* p = lan_pool_->allocate();
  if (p == nullptr) {
    invariants_.report(since_start(), "the simulator ran out of LAN frames");
    return;
  }
  std::memcpy(p->data, frame.data(), frame.size());
  p->length = static_cast<std::uint32_t>(frame.size());
  const std::size_t queue = replay::private_queue_index(frame, gateway.queue_count());
  gateway.private_end(queue).transmit({&p, 1});
}

void World::host_receive(std::size_t region, std::span<const std::uint8_t> frame) {
  constexpr std::size_t e = net::kEthernetHeaderSize;
  if (frame.size() < e + 20) {
    ++stray_frames_;
    return;
  }
  const std::uint16_t type = net::load16(frame.data() + 12);
  const std::uint8_t* ip = frame.data() + e;
  std::size_t header = 0, total = 0;
  std::uint8_t protocol = 0;
  if (type == net::kEthertypeIpv4) {
    header = (ip[0] & 15u) * 4u;
    total = net::load16(ip + 2);
    protocol = ip[9];
  } else if (type == net::kEthertypeIpv6 && frame.size() >= e + 40) {
    header = 40;
    total = 40u + net::load16(ip + 4);
    protocol = ip[6];
  }
  if (header == 0 || total > frame.size() - e || total < header + 8) {
    ++stray_frames_;
    return;
  }
  std::span<const std::uint8_t> payload;
  const std::uint8_t* l4 = ip + header;
  if (protocol == net::kProtocolUdp && net::load16(l4 + 2) == kFlowPort) {
    payload = {l4 + 8, total - header - 8};
  } else if (protocol == net::kProtocolIcmp || protocol == net::kProtocolIcmp6) {
    const std::uint8_t t = l4[0];
    if (t == 8 || t == 0 || t == 128 || t == 129) {
      payload = {l4 + 8, total - header - 8};
    } else {
      ++host_icmp_errors_;
      return;
    }
  } else {
    ++stray_frames_;
    return;
  }
  bool altered = false;
  const auto marker = Marker::read(payload, altered);
  if (!marker || marker->flow >= flows_.size()) {
    ++stray_frames_;
    return;
  }
  if (altered) {
    invariants_.report(since_start(), "flow " + flows_[marker->flow].spec().name + " packet " +
                                          std::to_string(marker->id) + " was delivered altered");
    return;
  }
  std::vector<HostPacket> answers;
  const bool at_destination = region == flow_to_[marker->flow];
  if (auto violation = flows_[marker->flow].arrived(*marker, at_destination, clock_.now(), answers))
    invariants_.report(since_start(), *violation);
  for (auto& answer : answers)
    host_send(region, std::move(answer.ip));
}

std::size_t World::collect_private(std::size_t region) {
  std::size_t moved = 0;
  io::Packet* burst[kBurst];
  SimGateway& gateway = *gateways_[region];
  for (std::size_t q = 0; q < gateway.queue_count(); ++q) {
    while (const std::size_t n = gateway.private_end(q).receive(burst)) {
      moved += n;
      for (std::size_t i = 0; i < n; ++i) {
        const std::span<const std::uint8_t> frame(burst[i]->data, burst[i]->length);
        const auto answer = regions_[region].router->answer(frame);
        if (!answer.empty()) {
          if (io::Packet* p = lan_pool_->allocate()) {
            std::memcpy(p->data, answer.data(), answer.size());
            p->length = static_cast<std::uint32_t>(answer.size());
            gateway.private_end(q).transmit({&p, 1});
          }
        } else {
          host_receive(region, frame);
        }
        burst[i]->pool->release(burst[i]);
      }
    }
  }
  return moved;
}

std::size_t World::collect_public(std::size_t region) {
  std::size_t moved = 0;
  io::Packet* burst[kBurst];
  SimGateway& gateway = *gateways_[region];
  for (std::size_t q = 0; q < gateway.queue_count(); ++q)
    while (const std::size_t n = gateway.public_end(q).receive(burst)) {
      moved += n;
      for (std::size_t i = 0; i < n; ++i)
        internet_->from_gateway(region, q, burst[i], clock_.now());
    }
  return moved;
}

std::size_t World::send_flows() {
  std::size_t sent = 0;
  const base::Nanoseconds now = clock_.now();
  std::vector<HostPacket> out;
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    if (flows_[i].next_due() > now) continue;
    out.clear();
    flows_[i].send_due(now, out);
    for (auto& p : out)
      host_send(flow_from_[i], std::move(p.ip));
    sent += out.size();
  }
  return sent;
}

void World::settle() {
  for (int round = 0; round < kMaxRoundsPerInstant; ++round) {
    std::size_t moved = 0;
    for (auto& gateway : gateways_)
      moved += gateway->step();
    for (std::size_t r = 0; r < gateways_.size(); ++r)
      moved += collect_private(r) + collect_public(r);
    moved += internet_->deliver_due(clock_.now());
    moved += send_flows();
    if (moved == 0) return;
  }
  invariants_.report(since_start(), "frames kept circulating: the instant never settled");
}

void World::event_line(const std::string& kind, const std::string& detail) {
  std::string d = detail;
  std::replace(d.begin(), d.end(), ',', ';');  // one CSV field
  events_.push_back(seconds(since_start()) + "," + kind + "," + d);
}

void World::run_event(const EventSpec& event) {
  base::Status status = base::Ok{};
  switch (event.kind) {
    case EventKind::kLinkDown:
    case EventKind::kLinkUp:
      internet_->set_link_down(region_index(event.link_a), region_index(event.link_b),
                               event.kind == EventKind::kLinkDown);
      event_line(event.kind == EventKind::kLinkDown ? "link-down" : "link-up",
                 event.link_a + "-" + event.link_b);
      break;
    case EventKind::kRestart:
      status = gateways_[region_index(event.region)]->restart();
      internet_->attach();
      event_line("restart", event.region);
      break;
    case EventKind::kConfig:
      status =
          gateways_[region_index(event.region)]->configure(event.verb, event.path, event.value);
      internet_->attach();
      event_line("config", event.region + " " + event.verb + " " + event.path);
      break;
    case EventKind::kNatRebind:
      internet_->rebind_nat(region_index(event.region));
      event_line("nat-rebind", event.region);
      break;
    case EventKind::kClockJump:
      gateways_[region_index(event.region)]->jump_clock(event.jump);
      event_line("clock-jump",
                 event.region + " " + seconds(static_cast<base::Nanoseconds>(event.jump)) + " s");
      break;
  }
  if (!status) {
    failures_.push_back(seconds(event.at) + " s: " + event.describe() + ": " +
                        status.error().message);
    event_line("refused", event.describe());
  }
}

std::uint64_t World::counter(std::size_t region, const std::string& path) {
  auto text = gateways_[region]->state(std::nullopt);
  if (!text) return 0;
  auto value = state_value(*text, path);
  return value ? *value : 0;
}

void World::sample() {
  const base::Nanoseconds at = since_start();
  for (const Flow& f : flows_) {
    const std::string s = "flow/" + f.spec().name + "/";
    samples_.push_back({at, s + "sent", f.sent()});
    samples_.push_back({at, s + "delivered", f.delivered()});
    samples_.push_back({at, s + "lost", f.lost()});
    samples_.push_back({at, s + "duplicates", f.duplicates()});
  }
  for (std::size_t r = 0; r < gateways_.size(); ++r) {
    SimGateway& g = *gateways_[r];
    invariants_.sa_lifetimes(g, at);
    const std::string s = g.name() + "/";
    std::uint64_t inbound = 0, outbound = 0;
    state::KeyManagerCounters km;
    for (std::size_t q = 0; q < g.queue_count(); ++q) {
      const worker::Worker& w = g.worker(q);
      inbound += w.sas().inbound_count();
      for (std::uint32_t route = 0; route < w.sas().route_count(); ++route)
        outbound += w.sas().outbound(route) != nullptr;
      const state::KeyManagerCounters c = w.key_manager_counters();
      km.keypairs_negotiated += c.keypairs_negotiated;
      km.inbound_sa_expired += c.inbound_sa_expired;
      km.outbound_sa_expired += c.outbound_sa_expired;
      km.authentication_errors += c.authentication_errors;
      km.negotiations_expired += c.negotiations_expired;
    }
    samples_.push_back({at, s + "inbound-sa-count", inbound});
    samples_.push_back({at, s + "outbound-sa-count", outbound});
    samples_.push_back({at, s + "key-manager/keypairs-negotiated", km.keypairs_negotiated});
    samples_.push_back({at, s + "key-manager/inbound-sa-expired", km.inbound_sa_expired});
    samples_.push_back({at, s + "key-manager/outbound-sa-expired", km.outbound_sa_expired});
    samples_.push_back({at, s + "key-manager/authentication-errors", km.authentication_errors});
    samples_.push_back({at, s + "key-manager/negotiations-expired", km.negotiations_expired});
  }
  for (const LinkSpec& link : scenario_.links) {
    const std::size_t a = region_index(link.a), b = region_index(link.b);
    samples_.push_back(
        {at, "link/" + internet_->link_name(a, b) + "/dropped", internet_->dropped(a, b)});
    samples_.push_back(
        {at, "link/" + internet_->link_name(b, a) + "/dropped", internet_->dropped(b, a)});
  }
}

base::Nanoseconds World::next_due() const {
  base::Nanoseconds next = end_;
  if (next_event_ < scenario_.events.size())
    next = std::min(next, start_ + scenario_.events[next_event_].at);
  for (const auto& g : gateways_)
    next = std::min(next, g->next_timer_due());
  next = std::min(next, internet_->next_departure());
  for (const Flow& f : flows_)
    next = std::min(next, f.next_due());
  next = std::min(next, next_sample_);
  return next;
}

base::Result<RunResult> World::run() {
  const base::Nanoseconds interval =
      scenario_.sample_interval != 0
          ? scenario_.sample_interval
          : std::max<base::Nanoseconds>(base::kSecond, (end_ - start_) / 200);
  // After the last fault (event), every route converges within the bound.
  base::Nanoseconds bound = 0;
  if (scenario_.converged_within) {
    bound = *scenario_.converged_within;
  } else {
    for (const auto& g : gateways_)
      bound =
          std::max<base::Nanoseconds>(bound, 3ull * g->config().negotiation_ttl * base::kSecond);
  }
  bool converge_ok = bound != 0;
  // Checked once, after the last event of the run.
  for (const EventSpec& e : scenario_.events)
    last_fault_ = std::max(last_fault_, e.at);
  for (;;) {
    while (next_event_ < scenario_.events.size() &&
           start_ + scenario_.events[next_event_].at <= clock_.now())
      run_event(scenario_.events[next_event_++]);
    settle();
    if (converge_ok && !convergence_checked_ && since_start() >= last_fault_ + bound) {
      invariants_.converged(
          gateways_, since_start(),
          seconds(bound) + " s after the last fault (" + seconds(last_fault_) + " s)");
      convergence_checked_ = true;
    }
    if (clock_.now() >= next_sample_) {
      sample();
      next_sample_ += interval;
    }
    if (clock_.now() >= end_) break;
    base::Nanoseconds next = next_due();
    if (converge_ok && !convergence_checked_) next = std::min(next, start_ + last_fault_ + bound);
    clock_.set(std::min(end_, std::max(next, clock_.now() + 1000)));
  }
  if (converge_ok && !convergence_checked_)
    invariants_.report(since_start(), "the run ended before " + seconds(bound) +
                                          " s after the last fault: convergence not checked");
  if (samples_.empty() || samples_.back().at != since_start()) sample();

  RunResult result;
  result.simulated = end_ - start_;
  result.summary = summarize(result.failed_expectations);
  result.invariant_violations = invariants_.count();
  result.passed =
      result.failed_expectations == 0 && result.invariant_violations == 0 && failures_.empty();
  if (!options_.out_dir.empty())
    if (auto written = write_outputs(result.summary); !written) return written.error();
  return result;
}

std::string World::summarize(std::uint64_t& failed) {
  std::ostringstream out;
  out << "strait sim: " << scenario_.name << ", seed " << options_.seed << ", "
      << seconds(end_ - start_) << " simulated seconds, " << gateways_.size() << " regions\n";
  out << "flows:\n";
  for (std::size_t i = 0; i < flows_.size(); ++i) {
    const Flow& f = flows_[i];
    const char* kind = f.spec().kind == FlowKind::kUdp   ? "udp"
                       : f.spec().kind == FlowKind::kTcp ? "tcp"
                                                         : "ping";
    out << "  " << f.spec().name << " (" << kind << " " << f.spec().from << " -> " << f.spec().to
        << "): sent " << f.sent() << ", delivered " << f.delivered() << ", lost " << f.lost()
        << ", duplicates " << f.duplicates();
    if (f.spec().kind == FlowKind::kTcp)
      out << ", in order " << f.data_delivered() << ", timeouts " << f.timeouts();
    out << "\n";
  }
  out << "gateways:\n";
  for (auto& g : gateways_) {
    std::uint64_t inbound = 0, outbound = 0;
    state::KeyManagerCounters km;
    for (std::size_t q = 0; q < g->queue_count(); ++q) {
      const worker::Worker& w = g->worker(q);
      inbound += w.sas().inbound_count();
      for (std::uint32_t r = 0; r < w.sas().route_count(); ++r)
        outbound += w.sas().outbound(r) != nullptr;
      const auto c = w.key_manager_counters();
      km.keypairs_negotiated += c.keypairs_negotiated;
      km.authentication_errors += c.authentication_errors;
      km.negotiations_expired += c.negotiations_expired;
      km.inbound_sa_expired += c.inbound_sa_expired;
    }
    out << "  " << g->name() << ": " << g->queue_count() << " queues, SAs " << outbound
        << " outbound " << inbound << " inbound; keypairs-negotiated " << km.keypairs_negotiated
        << ", negotiations-expired " << km.negotiations_expired << ", authentication-errors "
        << km.authentication_errors << ", inbound-sa-expired " << km.inbound_sa_expired
        << (g->restarts() ? ", restarted " + std::to_string(g->restarts()) + "x" : "") << "\n";
  }
  out << "expectations:\n";
  for (const ExpectSpec& e : scenario_.expects) {
    bool ok = true;
    std::string actual;
    switch (e.kind) {
      case ExpectSpec::Kind::kFlow: {
        const Flow* f = nullptr;
        for (const Flow& g : flows_)
          if (g.spec().name == e.flow) f = &g;
        if (f == nullptr) break;
        if (e.lost_max && f->lost() > *e.lost_max) ok = false;
        if (e.delivered_min && f->delivered() < *e.delivered_min) ok = false;
        if (e.duplicates_max && f->duplicates() > *e.duplicates_max) ok = false;
        actual = "lost " + std::to_string(f->lost()) + ", delivered " +
                 std::to_string(f->delivered()) + ", duplicates " + std::to_string(f->duplicates());
        break;
      }
      case ExpectSpec::Kind::kCounter: {
        const std::uint64_t v = counter(region_index(e.region), e.counter);
        ok = (!e.min || v >= *e.min) && (!e.max || v <= *e.max);
        actual = std::to_string(v);
        break;
      }
      case ExpectSpec::Kind::kConverged:
        ok = invariants_.unconverged() == 0;
        actual = e.within == 0
                     ? "not checked"
                     : std::to_string(invariants_.unconverged()) + " routes without a working SA";
        break;
    }
    if (!ok) ++failed;
    out << "  " << (ok ? "PASS " : "FAIL ") << e.describe() << " (" << actual << ")\n";
  }
  out << "invariants: " << (invariants_.count() == 0 ? "PASS" : "FAIL") << " ("
      << invariants_.esp_frames() << " ESP frames under " << invariants_.keys_seen()
      << " keys checked for nonce reuse and plaintext; " << invariants_.count() << " violations)\n";
  for (const auto& v : invariants_.violations())
    out << "  " << seconds(v.at) << " s: " << v.what << "\n";
  for (const auto& f : failures_)
    out << "  refused: " << f << "\n";
  out << "internet: routed " << internet_->counters().routed << ", no route "
      << internet_->counters().no_route << ", host ICMP errors " << host_icmp_errors_
      << ", stray frames " << stray_frames_ << "\n";
  const bool passed = failed == 0 && invariants_.count() == 0 && failures_.empty();
  out << "verdict: " << (passed ? "PASS" : "FAIL") << "\n";
  return out.str();
}

base::Status World::write_outputs(const std::string& summary) {
  const std::filesystem::path dir(options_.out_dir);
  const auto write = [&](const char* name, const std::string& text) -> base::Status {
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) return base::Error{(dir / name).string() + ": cannot write"};
    return base::Ok{};
  };
  if (auto w = write("summary.txt", summary); !w) return w;
  std::string csv = "time,series,value\n";
  for (const Sample& s : samples_)
    csv += seconds(s.at) + "," + s.series + "," + std::to_string(s.value) + "\n";
  if (auto w = write("samples.csv", csv); !w) return w;
  std::string events = "time,kind,detail\n";
  for (const auto& line : events_)
    events += line + "\n";
  for (const auto& v : invariants_.violations()) {
    std::string what = v.what;
    std::replace(what.begin(), what.end(), ',', ';');
    events += seconds(v.at) + ",invariant," + what + "\n";
  }
  if (auto w = write("events.csv", events); !w) return w;
  for (auto& tap : taps_)
    if (auto closed = tap->close(); !closed) return closed;
  return base::Ok{};
}

}  // namespace strait::sim
