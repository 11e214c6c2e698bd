#include "sim/scenario.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/diagnostic.hpp"
#include "config/syntax_tree.hpp"
#include "net/address.hpp"

namespace strait::sim {

namespace {

using config::Statement;
using config::Statements;

// Reads one scenario document; every error is located in its file.
class Reader {
 public:
  Reader(std::string file, std::string directory)
      : file_(std::move(file)), directory_(std::move(directory)) {}

  base::Result<Scenario> read(const Statements& document);

 private:
  base::Error error(const Statement& s, const std::string& what) const {
    return config::located_error(file_, s.position, what);
  }
  base::Result<std::string> text(const Statement& s) const {
    if (!s.value || s.has_block) return error(s, "'" + s.keyword + "' needs a value");
    return std::string(s.value->text.view());
  }
  // A non-negative decimal number ("110", "0.5").
  base::Result<double> number(const Statement& s, double max = 1e12) const {
    auto t = text(s);
    if (!t) return t.error();
    std::istringstream in(*t);
    double v = 0;
    if (!(in >> v) || !in.eof() || !std::isfinite(v) || v < 0 || v > max)
      return error(s, "'" + s.keyword + "' needs a number from 0 to " + std::to_string(max));
    return v;
  }
  base::Result<base::Nanoseconds> seconds(const Statement& s) const {
    auto v = number(s, 1e9);
    if (!v) return v.error();
    return static_cast<base::Nanoseconds>(std::llround(*v * 1e9));
  }
  base::Result<base::Nanoseconds> milliseconds(const Statement& s) const {
    auto v = number(s, 1e7);
    if (!v) return v.error();
    return static_cast<base::Nanoseconds>(std::llround(*v * 1e6));
  }
  base::Result<double> fraction(const Statement& s) const {  // from a percentage
    auto v = number(s, 100);
    if (!v) return v.error();
    return *v / 100;
  }
  base::Result<std::uint64_t> count(const Statement& s) const {
    auto v = number(s, 1e18);
    if (!v) return v.error();
    if (*v != std::floor(*v)) return error(s, "'" + s.keyword + "' needs a whole number");
    return static_cast<std::uint64_t>(*v);
  }
  const RegionSpec* region(const std::string& name) const {
    for (const auto& r : scenario_.regions)
      if (r.name == name) return &r;
    return nullptr;
  }
  base::Status known_region(const Statement& s, const std::string& name) const {
    if (region(name)) return base::Ok{};
    return error(s, "no region '" + name + "' (declare it with region { name ...; } first)");
  }
  // "paris tokyo": two region names.
  base::Status region_pair(const Statement& s, std::string& a, std::string& b) const {
    auto t = text(s);
    if (!t) return t.error();
    std::istringstream in(*t);
    std::string extra;
    if (!(in >> a >> b) || (in >> extra) || a == b)
      return error(s, "'" + s.keyword + "' needs two different region names: \"paris tokyo\"");
    if (auto k = known_region(s, a); !k) return k;
    return known_region(s, b);
  }

  base::Status read_region(const Statement& s);
  base::Status read_link(const Statement& s);
  base::Status read_profile(const Statement& s, wan::LinkProfile& profile) const;
  base::Status read_flow(const Statement& s);
  base::Status read_event(const Statement& s);
  base::Status read_expect(const Statement& s);

  std::string file_;
  std::string directory_;
  Scenario scenario_;
};

base::Result<Scenario> Reader::read(const Statements& document) {
  scenario_.name = std::filesystem::path(file_).stem().string();
  // Regions first: the rest names them.
  for (const auto& s : document)
    if (s.keyword == "region")
      if (auto r = read_region(s); !r) return r.error();
  for (const auto& s : document) {
    base::Status status = base::Ok{};
    if (s.keyword == "region") continue;
    if (s.keyword == "duration") {
      auto v = seconds(s);
      if (!v) return v.error();
      if (*v == 0) return error(s, "'duration' must be more than 0");
      scenario_.duration = *v;
    } else if (s.keyword == "sample-interval") {
      auto v = seconds(s);
      if (!v) return v.error();
      scenario_.sample_interval = *v;
    } else if (s.keyword == "link") {
      status = read_link(s);
    } else if (s.keyword == "flow") {
      status = read_flow(s);
    } else if (s.keyword == "event") {
      status = read_event(s);
    } else if (s.keyword == "expect") {
      status = read_expect(s);
    } else {
      return error(s, "unknown statement " + config::display_name(s.keyword) +
                          " (expected duration, sample-interval, region, link, flow, event or "
                          "expect)");
    }
    if (!status) return status.error();
  }
  if (scenario_.regions.size() < 2)
    return config::located_error(file_, {}, "a scenario needs at least two regions");
  return scenario_;
}

base::Status Reader::read_region(const Statement& s) {
  RegionSpec region;
  for (const auto& c : s.children) {
    auto t = text(c);
    if (!t) return t.error();
    if (c.keyword == "name") {
      region.name = *t;
    } else if (c.keyword == "config") {
      const std::filesystem::path path = std::filesystem::path(directory_) / *t;
      region.config_path = path.lexically_normal().string();
      std::ifstream in(region.config_path);
      std::stringstream content;
      content << in.rdbuf();
      if (!in) return error(c, "cannot read the configuration " + region.config_path);
      region.config_text = content.str();
    } else if (c.keyword == "nat") {
      const auto outside = net::Address::parse(*t);
      if (!outside) return error(c, "'nat': expected the NAT's outside address");
      region.nat = *t;
    } else {
      return error(c, "unknown region setting " + config::display_name(c.keyword) +
                          " (expected name, config, nat)");
    }
  }
  if (region.name.empty() || region.config_text.empty())
    return error(s, "a region needs a name and a config");
  if (this->region(region.name)) return error(s, "region '" + region.name + "' given twice");
  scenario_.regions.push_back(std::move(region));
  return base::Ok{};
}

base::Status Reader::read_profile(const Statement& s, wan::LinkProfile& p) const {
  for (const auto& c : s.children) {
    if (c.keyword == "between" || c.keyword == "a-to-b" || c.keyword == "b-to-a") continue;
    base::Status status = base::Ok{};
    const auto set_ms = [&](base::Nanoseconds& into) -> base::Status {
      auto v = milliseconds(c);
      if (!v) return v.error();
      into = *v;
      return base::Ok{};
    };
    const auto set_fraction = [&](double& into) -> base::Status {
      auto v = fraction(c);
      if (!v) return v.error();
      into = *v;
      return base::Ok{};
    };
    if (c.keyword == "latency-ms") {
      status = set_ms(p.delay);
    } else if (c.keyword == "jitter-ms") {
      status = set_ms(p.jitter);
    } else if (c.keyword == "reorder-ms") {
      status = set_ms(p.reorder_delay);
    } else if (c.keyword == "loss-percent") {
      status = set_fraction(p.loss);
    } else if (c.keyword == "burst-enter-percent") {
      status = set_fraction(p.burst_enter);
    } else if (c.keyword == "burst-leave-percent") {
      status = set_fraction(p.burst_leave);
    } else if (c.keyword == "burst-loss-percent") {
      status = set_fraction(p.burst_loss);
    } else if (c.keyword == "reorder-percent") {
      status = set_fraction(p.reorder);
    } else if (c.keyword == "duplicate-percent") {
      status = set_fraction(p.duplicate);
    } else if (c.keyword == "corrupt-percent") {
      status = set_fraction(p.corrupt);
    } else if (c.keyword == "rate-mbit") {
      auto v = number(c, 1e6);
      if (!v) return v.error();
      p.rate = static_cast<std::uint64_t>(std::llround(*v * 1e6));
    } else if (c.keyword == "mtu") {
      auto v = count(c);
      if (!v) return v.error();
      if (*v > 65535) return error(c, "'mtu' is at most 65535");
      p.mtu = static_cast<std::uint32_t>(*v);
    } else {
      return error(c, "unknown link setting " + config::display_name(c.keyword));
    }
    if (!status) return status;
  }
  return base::Ok{};
}

base::Status Reader::read_link(const Statement& s) {
  LinkSpec link;
  const Statement* between = nullptr;
  for (const auto& c : s.children)
    if (c.keyword == "between") between = &c;
  if (between == nullptr) return error(s, "a link needs 'between \"A B\";'");
  if (auto pair = region_pair(*between, link.a, link.b); !pair) return pair;
  wan::LinkProfile both;
  both.max_backlog = 1000 * base::kMillisecond;
  if (auto p = read_profile(s, both); !p) return p;
  link.a_to_b = link.b_to_a = both;
  for (const auto& c : s.children) {
    if (c.keyword == "a-to-b")
      if (auto p = read_profile(c, link.a_to_b); !p) return p;
    if (c.keyword == "b-to-a")
      if (auto p = read_profile(c, link.b_to_a); !p) return p;
  }
  for (const auto& other : scenario_.links)
    if ((other.a == link.a && other.b == link.b) || (other.a == link.b && other.b == link.a))
      return error(s, "a second link between " + link.a + " and " + link.b);
  scenario_.links.push_back(std::move(link));
  return base::Ok{};
}

base::Status Reader::read_flow(const Statement& s) {
  FlowSpec flow;
  for (const auto& c : s.children) {
    base::Status status = base::Ok{};
    if (c.keyword == "name" || c.keyword == "from" || c.keyword == "to" || c.keyword == "kind") {
      auto t = text(c);
      if (!t) return t.error();
      if (c.keyword == "name") flow.name = *t;
      if (c.keyword == "from") flow.from = *t;
      if (c.keyword == "to") flow.to = *t;
      if (c.keyword == "kind") {
        if (*t == "udp")
          flow.kind = FlowKind::kUdp;
        else if (*t == "tcp")
          flow.kind = FlowKind::kTcp;
        else if (*t == "ping")
          flow.kind = FlowKind::kPing;
        else
          return error(c, "'kind' is udp, tcp or ping");
      }
      if ((c.keyword == "from" || c.keyword == "to") && !(status = known_region(c, *t)))
        return status;
    } else if (c.keyword == "rate-pps") {
      auto v = number(c, 1e7);
      if (!v) return v.error();
      if (*v <= 0) return error(c, "'rate-pps' must be more than 0");
      flow.rate_pps = *v;
    } else if (c.keyword == "size") {
      auto v = count(c);
      if (!v) return v.error();
      if (*v < 64 || *v > 1400) return error(c, "'size' is from 64 to 1400 bytes");
      flow.size = static_cast<std::uint32_t>(*v);
    } else if (c.keyword == "interval-ms") {
      auto v = milliseconds(c);
      if (!v) return v.error();
      if (*v == 0) return error(c, "'interval-ms' must be more than 0");
      flow.interval = *v;
    } else if (c.keyword == "start") {
      auto v = seconds(c);
      if (!v) return v.error();
      flow.start = *v;
    } else if (c.keyword == "stop") {
      auto v = seconds(c);
      if (!v) return v.error();
      flow.stop = *v;
    } else {
      return error(c, "unknown flow setting " + config::display_name(c.keyword));
    }
  }
  if (flow.name.empty() || flow.from.empty() || flow.to.empty())
    return error(s, "a flow needs a name, from and to");
  if (flow.from == flow.to) return error(s, "a flow goes from one region to another");
  for (const auto& other : scenario_.flows)
    if (other.name == flow.name) return error(s, "flow '" + flow.name + "' given twice");
  scenario_.flows.push_back(std::move(flow));
  return base::Ok{};
}

base::Status Reader::read_event(const Statement& s) {
  EventSpec event;
  bool has_at = false, has_kind = false;
  for (const auto& c : s.children) {
    if (c.keyword == "at") {
      auto v = seconds(c);
      if (!v) return v.error();
      event.at = *v;
      has_at = true;
      continue;
    }
    if (has_kind) return error(c, "an event does one thing: give several events");
    has_kind = true;
    if (c.keyword == "link-down" || c.keyword == "link-up") {
      event.kind = c.keyword == "link-down" ? EventKind::kLinkDown : EventKind::kLinkUp;
      if (auto pair = region_pair(c, event.link_a, event.link_b); !pair) return pair;
    } else if (c.keyword == "nat-rebind") {
      event.kind = EventKind::kNatRebind;
      auto t = text(c);
      if (!t) return t.error();
      event.region = *t;
      if (auto k = known_region(c, *t); !k) return k;
    } else if (c.keyword == "restart") {
      event.kind = EventKind::kRestart;
      auto t = text(c);
      if (!t) return t.error();
      event.region = *t;
      if (auto k = known_region(c, *t); !k) return k;
    } else if (c.keyword == "config") {
      event.kind = EventKind::kConfig;
      for (const auto& d : c.children) {
        auto t = text(d);
        if (!t) return t.error();
        if (d.keyword == "region") {
          event.region = *t;
          if (auto k = known_region(d, *t); !k) return k;
        } else if (d.keyword == "set" || d.keyword == "add" || d.keyword == "remove") {
          event.verb = d.keyword;
          event.path = *t;
        } else if (d.keyword == "value") {
          event.value = *t;
        } else {
          return error(d, "unknown config event setting " + config::display_name(d.keyword) +
                              " (expected region, set, add, remove, value)");
        }
      }
      if (event.region.empty() || event.verb.empty())
        return error(c, "a config event needs a region and one of set, add, remove");
      if (event.verb != "remove" && event.value.empty())
        return error(c, "'" + event.verb + "' needs a value");
    } else if (c.keyword == "clock-jump") {
      event.kind = EventKind::kClockJump;
      bool has_seconds = false;
      for (const auto& d : c.children) {
        auto t = text(d);
        if (!t) return t.error();
        if (d.keyword == "region") {
          event.region = *t;
          if (auto k = known_region(d, *t); !k) return k;
        } else if (d.keyword == "seconds") {
          auto v = seconds(d);
          if (!v) return v.error();
          event.jump = static_cast<std::int64_t>(*v);
          has_seconds = true;
        } else {
          return error(d, "unknown clock-jump setting " + config::display_name(d.keyword));
        }
      }
      if (event.region.empty() || !has_seconds)
        return error(c, "a clock jump needs a region and seconds");
    } else {
      return error(c, "unknown event " + config::display_name(c.keyword) +
                          " (expected link-down, link-up, restart, config, clock-jump, "
                          "nat-rebind)");
    }
  }
  if (!has_at || !has_kind) return error(s, "an event needs 'at' and what happens");
  scenario_.events.push_back(std::move(event));
  return base::Ok{};
}

base::Status Reader::read_expect(const Statement& s) {
  ExpectSpec expect;
  bool flow = false, counter = false, converged = false;
  for (const auto& c : s.children) {
    const auto set_count = [&](std::optional<std::uint64_t>& into) -> base::Status {
      auto v = count(c);
      if (!v) return v.error();
      into = *v;
      return base::Ok{};
    };
    base::Status status = base::Ok{};
    if (c.keyword == "flow") {
      auto t = text(c);
      if (!t) return t.error();
      expect.flow = *t;
      flow = true;
      bool found = false;
      for (const auto& f : scenario_.flows)
        found = found || f.name == *t;
      if (!found) return error(c, "no flow '" + *t + "' (declare flows before expectations)");
    } else if (c.keyword == "lost-max") {
      status = set_count(expect.lost_max);
    } else if (c.keyword == "delivered-min") {
      status = set_count(expect.delivered_min);
    } else if (c.keyword == "duplicates-max") {
      status = set_count(expect.duplicates_max);
    } else if (c.keyword == "region") {
      auto t = text(c);
      if (!t) return t.error();
      expect.region = *t;
      if (auto k = known_region(c, *t); !k) return k;
    } else if (c.keyword == "counter") {
      auto t = text(c);
      if (!t) return t.error();
      expect.counter = *t;
      counter = true;
    } else if (c.keyword == "min") {
      status = set_count(expect.min);
    } else if (c.keyword == "max") {
      status = set_count(expect.max);
    } else if (c.keyword == "converged-within") {
      auto v = seconds(c);
      if (!v) return v.error();
      expect.within = *v;
      converged = true;
    } else {
      return error(c, "unknown expectation " + config::display_name(c.keyword));
    }
    if (!status) return status;
  }
  if (flow + counter + converged != 1)
    return error(s, "an expect block checks one of: a flow, a counter, converged-within");
  if (flow) {
    expect.kind = ExpectSpec::Kind::kFlow;
  } else if (counter) {
    expect.kind = ExpectSpec::Kind::kCounter;
    if (expect.region.empty()) return error(s, "a counter expectation needs a region");
    if (!expect.min && !expect.max) return error(s, "a counter expectation needs min or max");
  } else {
    expect.kind = ExpectSpec::Kind::kConverged;
    scenario_.converged_within = expect.within;
  }
  scenario_.expects.push_back(std::move(expect));
  return base::Ok{};
}

std::string seconds_text(base::Nanoseconds t) {
  std::ostringstream out;
  out << static_cast<double>(t) / 1e9;
  return out.str();
}

}  // namespace

std::string EventSpec::describe() const {
  switch (kind) {
    case EventKind::kLinkDown:
      return "link-down " + link_a + " " + link_b;
    case EventKind::kLinkUp:
      return "link-up " + link_a + " " + link_b;
    case EventKind::kRestart:
      return "restart " + region;
    case EventKind::kNatRebind:
      return "nat-rebind " + region;
    case EventKind::kConfig:
      return "config " + region + " " + verb + " " + path;
    case EventKind::kClockJump:
      return "clock-jump " + region + " " + seconds_text(static_cast<base::Nanoseconds>(jump)) +
             " s";
  }
  return "event";
}

std::string ExpectSpec::describe() const {
  std::string d;
  const auto bound = [&](const char* name, const std::optional<std::uint64_t>& v) {
    if (v) d += std::string(" ") + name + " " + std::to_string(*v);
  };
  switch (kind) {
    case Kind::kFlow:
      d = "flow " + flow;
      bound("lost-max", lost_max);
      bound("delivered-min", delivered_min);
      bound("duplicates-max", duplicates_max);
      return d;
    case Kind::kCounter:
      d = region + " " + counter;
      bound("min", min);
      bound("max", max);
      return d;
    case Kind::kConverged:
      return "converged within " + seconds_text(within) + " s of the last fault";
  }
  return d;
}

base::Result<Scenario> parse_scenario(std::string_view text, const std::string& file_name,
                                      const std::string& directory) {
  auto document = config::parse_document(text, file_name);
  if (!document) return document.error();
  return Reader(file_name, directory).read(*document);
}

base::Result<Scenario> load_scenario(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  if (!in) return base::Error{path + ": cannot read the scenario"};
  return parse_scenario(content.str(), path, std::filesystem::path(path).parent_path().string());
}

}  // namespace strait::sim
