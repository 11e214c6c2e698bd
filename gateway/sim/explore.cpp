#include "sim/explore.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "base/random.hpp"
#include "sim/world.hpp"

namespace strait::sim {

namespace {

// Draws of one scenario.
class Dice {
 public:
  explicit Dice(std::uint64_t seed) : random_(seed) {}
  std::uint32_t below(std::uint32_t n) { return n == 0 ? 0 : random_.uniform(n); }
  std::uint32_t between(std::uint32_t lo, std::uint32_t hi) { return lo + below(hi - lo + 1); }
  bool chance(std::uint32_t percent) { return below(100) < percent; }

 private:
  base::SeededRandom random_;
};

std::string hex_key(std::size_t a, std::size_t b, std::uint32_t generation) {
  // A pre-shared key for a pair of regions (test data), different for
  // every pair and generation: the schema wants each route's key unique.
  const std::uint8_t head[4] = {static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b),
                                static_cast<std::uint8_t>(generation),
                                static_cast<std::uint8_t>(generation >> 8)};
  std::string key;
  const char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < 32; ++i) {
    const unsigned v = i < 4 ? head[i] : static_cast<unsigned>((a * 37 + b * 11 + i * 7) & 0xff);
    key += digits[v >> 4];
    key += digits[v & 15];
  }
  return key;
}

std::string region_config(std::size_t self, std::size_t regions, std::uint32_t queues,
                          std::uint32_t negotiation_ttl, std::uint32_t sa_ttl) {
  const std::string n = std::to_string(self + 1);
  std::string t =
      "private-interface4 { ifname lan0; ip 10." + n + ".0.1; nexthop-ip 10." + n + ".0.2; }\n";
  t += "public-interface4 { ifname wan0; ip 198.18." + n + ".1; nexthop-ip 198.18." + n +
       ".254; }\n";
  if (queues == 2)
    t += "public-interface4 { ifname wan1; ip 198.19." + n + ".1; nexthop-ip 198.19." + n +
         ".254; queue 2; }\n";
  for (std::size_t peer = 0; peer < regions; ++peer) {
    if (peer == self) continue;
    const std::string m = std::to_string(peer + 1);
    const std::size_t lo = std::min(self, peer), hi = std::max(self, peer);
    t += "route4 { id r" + m + "; gateway { ip 198.18." + m + ".1; } ";
    if (queues == 2) t += "gateway { ip 198.19." + m + ".1; queue 2; } ";
    t += "net \"10." + m + ".0.0/16\"; preshared-key \"" + hex_key(lo, hi, 0) + "\"; spi " +
         std::to_string(1000 + lo * 16 + hi) + "; }\n";
  }
  t += "negotiation-ttl " + std::to_string(negotiation_ttl) + ";\nsa-ttl " +
       std::to_string(sa_ttl) + ";\n";
  return t;
}

base::Nanoseconds ms(std::uint32_t v) {
  return v * base::kMillisecond;
}
base::Nanoseconds s(std::uint32_t v) {
  return v * base::kSecond;
}

std::string seconds_text(base::Nanoseconds t) {
  std::ostringstream out;
  out << static_cast<double>(t) / 1e9;
  return out.str();
}

// Runs a scenario; true if it held.
bool holds(const Scenario& scenario, std::string* first_violation) {
  RunOptions options;
  auto world = World::create(scenario, options);
  if (!world) {
    if (first_violation) *first_violation = world.error().message;
    return false;
  }
  auto result = (*world)->run();
  if (!result) {
    if (first_violation) *first_violation = result.error().message;
    return false;
  }
  if (!result->passed && first_violation) {
    std::istringstream lines(result->summary);
    std::string line;
    while (std::getline(lines, line))
      if (line.rfind("  ", 0) == 0 &&
          (line.find(" s: ") != std::string::npos || line.find("FAIL") != std::string::npos)) {
        *first_violation = line.substr(2);
        break;
      }
  }
  return result->passed;
}

// What kind of failure a summary line reports: a shrunk run must fail the
// same way.
std::string failure_kind(const std::string& line) {
  for (const char* kind :
       {"nonce", "plaintext", "delivered twice", "never sent", "altered", "sa-ttl",
        "no outbound SA", "not installed", "refused", "settled", "ran out"})
    if (line.find(kind) != std::string::npos) return kind;
  return line.empty() ? "error" : "other";
}

// The events that undo event i (the link-up after a link-down of the same
// link): removed together with it.
std::vector<std::size_t> with_partner(const Scenario& sc, std::size_t i) {
  std::vector<std::size_t> remove{i};
  const EventSpec& e = sc.events[i];
  if (e.kind == EventKind::kLinkUp) return {};  // only with its link-down
  if (e.kind == EventKind::kConfig)             // a key change is made on both ends at once
    for (std::size_t j = 0; j < sc.events.size(); ++j)
      if (j != i && sc.events[j].kind == EventKind::kConfig && sc.events[j].at == e.at &&
          sc.events[j].value == e.value)
        remove.push_back(j);
  if (e.kind == EventKind::kLinkDown)
    for (std::size_t j = i + 1; j < sc.events.size(); ++j)
      if (sc.events[j].kind == EventKind::kLinkUp && sc.events[j].link_a == e.link_a &&
          sc.events[j].link_b == e.link_b) {
        remove.push_back(j);
        break;
      }
  return remove;
}

}  // namespace

Scenario random_scenario(std::uint64_t seed) {
  Dice dice(seed);
  Scenario sc;
  sc.name = "explore-" + std::to_string(seed);
  const std::uint32_t regions = dice.between(2, 6);
  const std::uint32_t queues = dice.chance(30) ? 2 : 1;
  const std::uint32_t negotiation_ttl = dice.between(1, 5);
  const std::uint32_t sa_ttl = dice.between(20, 300);
  sc.duration = s(dice.between(120, 600));
  for (std::uint32_t r = 0; r < regions; ++r)
    sc.regions.push_back({"r" + std::to_string(r + 1), "(generated)",
                          region_config(r, regions, queues, negotiation_ttl, sa_ttl), ""});
  for (std::uint32_t a = 0; a < regions; ++a)
    for (std::uint32_t b = a + 1; b < regions; ++b) {
      LinkSpec link{sc.regions[a].name, sc.regions[b].name, {}, {}};
      wan::LinkProfile p;
      p.delay = ms(dice.between(1, 150));
      p.jitter = dice.chance(50) ? ms(dice.between(0, 5)) : 0;
      p.loss = dice.chance(40) ? dice.between(1, 5) / 100.0 : 0;
      if (dice.chance(20)) {
        p.burst_enter = dice.between(1, 3) / 100.0;
        p.burst_leave = dice.between(20, 60) / 100.0;
      }
      if (dice.chance(30)) {
        p.reorder = dice.between(1, 5) / 100.0;
        p.reorder_delay = ms(dice.between(1, 20));
      }
      p.duplicate = dice.chance(25) ? dice.between(1, 3) / 100.0 : 0;
      p.corrupt = dice.chance(25) ? dice.between(1, 2) / 100.0 : 0;
      p.max_backlog = ms(1000);
      link.a_to_b = link.b_to_a = p;
      sc.links.push_back(link);
    }
  const std::uint32_t flows = dice.between(1, 4);
  for (std::uint32_t f = 0; f < flows; ++f) {
    FlowSpec flow;
    flow.name = "f" + std::to_string(f + 1);
    const std::uint32_t from = dice.below(regions);
    std::uint32_t to = dice.below(regions - 1);
    if (to >= from) ++to;
    flow.from = sc.regions[from].name;
    flow.to = sc.regions[to].name;
    flow.kind = dice.chance(25) ? FlowKind::kPing : FlowKind::kUdp;
    flow.rate_pps = dice.between(2, 50);
    flow.size = dice.between(100, 1200);
    flow.interval = ms(dice.between(200, 2000));
    flow.start = s(dice.between(0, 30));
    sc.flows.push_back(flow);
  }
  // Faults, all over before the last third of the run, so the tunnels
  // have time to converge after them.
  const std::uint32_t last = static_cast<std::uint32_t>(sc.duration / base::kSecond) * 2 / 3;
  const std::uint32_t faults = dice.between(0, 5);
  std::uint32_t generation = 0;
  for (std::uint32_t i = 0; i < faults; ++i) {
    const std::uint32_t at = dice.between(10, last);
    const std::uint32_t a = dice.below(regions);
    std::uint32_t b = dice.below(regions - 1);
    if (b >= a) ++b;
    switch (dice.below(4)) {
      case 0: {  // a partition
        EventSpec down;
        down.at = s(at);
        down.kind = EventKind::kLinkDown;
        down.link_a = sc.regions[a].name;
        down.link_b = sc.regions[b].name;
        EventSpec up = down;
        up.kind = EventKind::kLinkUp;
        up.at = s(std::min(last, at + dice.between(1, 60)));
        sc.events.push_back(down);
        sc.events.push_back(up);
        break;
      }
      case 1: {
        EventSpec e;
        e.at = s(at);
        e.kind = EventKind::kRestart;
        e.region = sc.regions[a].name;
        sc.events.push_back(e);
        break;
      }
      case 2: {
        EventSpec e;
        e.at = s(at);
        e.kind = EventKind::kClockJump;
        e.region = sc.regions[a].name;
        e.jump = static_cast<std::int64_t>(s(dice.between(1, 30)));
        sc.events.push_back(e);
        break;
      }
      default: {  // a new pre-shared key for a route, on both ends
        ++generation;
        const std::size_t lo = std::min(a, b), hi = std::max(a, b);
        for (const std::uint32_t end : {a, b}) {
          EventSpec e;
          e.at = s(at);
          e.kind = EventKind::kConfig;
          e.region = sc.regions[end].name;
          e.verb = "set";
          e.path = "/route4[id=r" + std::to_string((end == a ? b : a) + 1) + "]/preshared-key";
          e.value = hex_key(lo, hi, generation + static_cast<std::uint32_t>(seed % 997));
          sc.events.push_back(e);
        }
        break;
      }
    }
  }
  std::stable_sort(sc.events.begin(), sc.events.end(),
                   [](const EventSpec& x, const EventSpec& y) { return x.at < y.at; });
  // Convergence after the last fault: generous, the links lose packets.
  sc.converged_within = s(std::max<std::uint32_t>(30, 8 * negotiation_ttl));
  ExpectSpec converged;
  converged.kind = ExpectSpec::Kind::kConverged;
  converged.within = *sc.converged_within;
  sc.expects.push_back(converged);
  return sc;
}

base::Result<std::string> write_scenario(const Scenario& sc, const std::string& directory,
                                         const std::string& name) {
  std::error_code error;
  std::filesystem::create_directories(directory, error);
  if (error) return base::Error{directory + ": " + error.message()};
  const std::filesystem::path dir(directory);
  std::ostringstream t;
  t << "// " << name << ": written by strait sim --explore\n";
  t << "duration " << seconds_text(sc.duration) << ";\n";
  for (const RegionSpec& r : sc.regions) {
    const std::string file = name + "-" + r.name + ".conf";
    std::ofstream(dir / file) << r.config_text;
    t << "region { name " << r.name << "; config \"" << file << "\";"
      << (r.nat.empty() ? "" : " nat \"" + r.nat + "\";") << " }\n";
  }
  const auto profile = [&](const wan::LinkProfile& p) {
    t << "latency-ms " << seconds_text(p.delay * 1000) << "; jitter-ms "
      << seconds_text(p.jitter * 1000) << "; loss-percent " << p.loss * 100
      << "; burst-enter-percent " << p.burst_enter * 100 << "; burst-leave-percent "
      << p.burst_leave * 100 << "; reorder-percent " << p.reorder * 100 << "; reorder-ms "
      << seconds_text(p.reorder_delay * 1000) << "; duplicate-percent " << p.duplicate * 100
      << "; corrupt-percent " << p.corrupt * 100 << ";";
  };
  for (const LinkSpec& l : sc.links) {
    t << "link { between \"" << l.a << " " << l.b << "\"; ";
    profile(l.a_to_b);
    t << " }\n";
  }
  for (const FlowSpec& f : sc.flows) {
    t << "flow { name " << f.name << "; kind "
      << (f.kind == FlowKind::kUdp   ? "udp"
          : f.kind == FlowKind::kTcp ? "tcp"
                                     : "ping")
      << "; from " << f.from << "; to " << f.to << "; rate-pps " << f.rate_pps << "; size "
      << f.size << "; interval-ms " << seconds_text(f.interval * 1000) << "; start "
      << seconds_text(f.start) << "; }\n";
  }
  for (const EventSpec& e : sc.events) {
    t << "event { at " << seconds_text(e.at) << "; ";
    switch (e.kind) {
      case EventKind::kLinkDown:
        t << "link-down \"" << e.link_a << " " << e.link_b << "\";";
        break;
      case EventKind::kLinkUp:
        t << "link-up \"" << e.link_a << " " << e.link_b << "\";";
        break;
      case EventKind::kRestart:
        t << "restart " << e.region << ";";
        break;
      case EventKind::kConfig:
        t << "config { region " << e.region << "; " << e.verb << " \"" << e.path << "\"; value \""
          << e.value << "\"; }";
        break;
      case EventKind::kClockJump:
        t << "clock-jump { region " << e.region << "; seconds "
          << seconds_text(static_cast<base::Nanoseconds>(e.jump)) << "; }";
        break;
      case EventKind::kNatRebind:
        t << "nat-rebind " << e.region << ";";
        break;
    }
    t << " }\n";
  }
  for (const ExpectSpec& e : sc.expects)
    if (e.kind == ExpectSpec::Kind::kConverged)
      t << "expect { converged-within " << seconds_text(e.within) << "; }\n";
  const std::string path = (dir / (name + ".sim")).string();
  std::ofstream out(path);
  out << t.str();
  out.close();
  if (!out) return base::Error{path + ": cannot write"};
  return path;
}

base::Result<std::uint64_t> explore(const ExploreOptions& options, std::ostream& out) {
  std::uint64_t failing = 0;
  for (std::uint64_t i = 0; i < options.runs; ++i) {
    const std::uint64_t seed = options.seed + i;
    Scenario sc = random_scenario(seed);
    std::string violation;
    const bool ok = holds(sc, &violation);
    out << "explore: seed " << seed << ": " << sc.regions.size() << " regions, " << sc.events.size()
        << " events, " << sc.flows.size() << " flows, " << seconds_text(sc.duration)
        << " s: " << (ok ? "PASS" : "FAIL: " + violation) << "\n";
    out.flush();
    if (ok) continue;
    ++failing;
    auto original =
        write_scenario(sc, options.out_dir, "seed-" + std::to_string(seed) + "-original");
    if (!original) return original.error();
    out << "explore: replay it with: strait sim --explore 1 --seed " << seed << " (or: strait sim "
        << *original << ")\n";
    // Shrink: fewer events, flows, impairments, a shorter run, while it
    // fails the same way.
    const std::string kind = failure_kind(violation);
    int tries = 0;
    const auto still_fails = [&](const Scenario& candidate) {
      ++tries;
      std::string why;
      return !holds(candidate, &why) && failure_kind(why) == kind;
    };
    for (std::size_t e = sc.events.size(); e-- > 0 && tries < 60;) {
      if (e >= sc.events.size()) continue;
      auto remove = with_partner(sc, e);
      if (remove.empty()) continue;
      Scenario candidate = sc;
      std::sort(remove.rbegin(), remove.rend());
      remove.erase(std::unique(remove.begin(), remove.end()), remove.end());
      for (const std::size_t r : remove)
        candidate.events.erase(candidate.events.begin() + static_cast<std::ptrdiff_t>(r));
      if (still_fails(candidate)) sc = candidate;
    }
    for (std::size_t f = sc.flows.size(); f-- > 0 && tries < 60;) {
      Scenario candidate = sc;
      candidate.flows.erase(candidate.flows.begin() + static_cast<std::ptrdiff_t>(f));
      if (still_fails(candidate)) sc = candidate;
    }
    for (std::size_t l = 0; l < sc.links.size() && tries < 60; ++l) {
      Scenario candidate = sc;
      wan::LinkProfile perfect;
      perfect.delay = candidate.links[l].a_to_b.delay;
      candidate.links[l].a_to_b = candidate.links[l].b_to_a = perfect;
      if (still_fails(candidate)) sc = candidate;
    }
    while (tries < 60 && sc.duration > 20 * base::kSecond) {
      Scenario candidate = sc;
      candidate.duration = sc.duration / 2;
      bool events_fit = true;
      for (const auto& e : candidate.events)
        events_fit = events_fit &&
                     e.at + (sc.converged_within ? *sc.converged_within : 0) < candidate.duration;
      if (!events_fit || !still_fails(candidate)) break;
      sc = candidate;
    }
    auto written = write_scenario(sc, options.out_dir, "seed-" + std::to_string(seed));
    if (!written) return written.error();
    std::string why;
    holds(sc, &why);
    out << "explore: shrunk in " << tries << " runs to " << sc.regions.size() << " regions, "
        << sc.events.size() << " events, " << sc.flows.size() << " flows, "
        << seconds_text(sc.duration) << " s: " << why << "\n"
        << "explore: replay the shrunk run with: strait sim " << *written << "\n";
  }
  out << "explore: " << options.runs << " runs from seed " << options.seed << ": " << failing
      << " failed\n";
  return failing;
}

}  // namespace strait::sim
