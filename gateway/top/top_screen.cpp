#include "top/top_screen.hpp"

#include <algorithm>
#include <cstdio>

namespace strait::top {

namespace {

std::string printf_string(const char* format, auto... args) {
  char buffer[256];
  std::snprintf(buffer, sizeof(buffer), format, args...);
  return buffer;
}

struct Section {
  std::string header;
  std::vector<std::string> rows;
  std::size_t minimum;  // rows it gets before others get more
  std::size_t given = 0;
};

std::string optional_duration(const std::optional<std::uint64_t>& seconds) {
  return seconds ? format_duration(*seconds) : "-";
}

std::string cut(const std::string& route, std::size_t width) {
  if (route.size() <= width) return route;
  return route.substr(0, width - 1) + "~";
}

}  // namespace

std::string format_si(double value) {
  static constexpr const char* kUnits[] = {"", "k", "M", "G", "T", "P"};
  std::size_t unit = 0;
  while (value >= 999.5 && unit + 1 < std::size(kUnits)) {
    value /= 1000;
    ++unit;
  }
  if (unit == 0)
    return printf_string(value < 9.95 && value != static_cast<int>(value) ? "%.1f" : "%.0f", value);
  return printf_string(value < 9.995   ? "%.2f%s"
                       : value < 99.95 ? "%.1f%s"
                                       : "%.0f%s",
                       value, kUnits[unit]);
}

std::string format_duration(std::uint64_t seconds) {
  if (seconds < 600) return std::to_string(seconds) + "s";
  if (seconds < 36000) return std::to_string(seconds / 60) + "m";
  return std::to_string(seconds / 3600) + "h";
}

void EventLog::record(const View& view, const std::string& time_of_day) {
  if (!view.has_rates) return;
  for (const KeyEvent& e : view.key_exchange)
    if (e.delta > 0) {
      events_.push_front(time_of_day + "  " + e.counter + " +" + std::to_string(e.delta));
      if (events_.size() > kCapacity) events_.pop_back();
    }
}

std::vector<std::string> render_screen(const View& view, const EventLog& log,
                                       const ScreenInfo& info, int width, int height) {
  const auto w = static_cast<std::size_t>(std::max(width, 1));
  const auto h = static_cast<std::size_t>(std::max(height, 1));
  std::vector<std::string> lines;
  {
    std::string left = "strait top: " + info.instance;
    if (view.has_rates) left += printf_string("   rates over %.1f s", view.elapsed);
    std::string right = info.hint.empty() ? info.time_of_day : info.hint + "  " + info.time_of_day;
    const std::size_t gap = left.size() + right.size() < w ? w - left.size() - right.size() : 1;
    lines.push_back(left + std::string(gap, ' ') + right);
  }
  if (!info.status.empty()) lines.push_back("! " + info.status);

  std::vector<Section> sections;
  {
    Section s{"INTERFACE QUEUE     RX pkt/s   RX bit/s   TX pkt/s   TX bit/s", {}, 2};
    for (const InterfaceRates& r : view.interfaces) {
      const auto f = [&](double v) { return view.has_rates ? format_si(v) : std::string("-"); };
      s.rows.push_back(printf_string("%-9s %-5s %12s %10s %10s %10s", r.interface.c_str(),
                                     r.queue.c_str(), f(r.rx_pps).c_str(), f(r.rx_bps).c_str(),
                                     f(r.tx_pps).c_str(), f(r.tx_bps).c_str()));
    }
    s.minimum = std::min<std::size_t>(s.rows.size(), 2);
    sections.push_back(std::move(s));
  }
  {
    Section s{"DROPS/ERRORS      REASON                                  per s      TOTAL", {}, 1};
    for (const Problem& p : view.problems)
      s.rows.push_back(printf_string("%-17s %-35s %9s %10s", cut(p.where, 17).c_str(),
                                     cut(p.reason, 35).c_str(),
                                     view.has_rates ? format_si(p.per_second).c_str() : "-",
                                     format_si(static_cast<double>(p.total)).c_str()));
    if (s.rows.empty()) s.rows.push_back("(none)");
    sections.push_back(std::move(s));
  }
  {
    Section s{
        "SA  ROUTE          Q  SPI           AGE  REKEY EXPIRES   PACKETS  pkt/s  ERRS", {}, 3};
    for (const SaRow& r : view.sas)
      s.rows.push_back(printf_string(
          "%-3s %-14s %-2u %-10u %6s %6s %7s %9s %6s %5s", r.sa.outbound ? "out" : "in",
          cut(r.sa.route, 14).c_str(), r.sa.queue, r.sa.spi, optional_duration(r.sa.age).c_str(),
          r.sa.outbound ? optional_duration(r.sa.rekey_in).c_str() : "",
          optional_duration(r.sa.expires_in).c_str(),
          format_si(static_cast<double>(r.sa.packets)).c_str(),
          view.has_rates ? format_si(r.pps).c_str() : "-",
          r.sa.outbound ? "" : format_si(static_cast<double>(r.sa.errors)).c_str()));
    if (s.rows.empty()) s.rows.push_back("(no SA)");
    s.minimum = std::min<std::size_t>(s.rows.size(), 3);
    sections.push_back(std::move(s));
  }
  {
    std::uint64_t negotiated = 0, initiated = 0, expired = 0;
    for (const KeyEvent& e : view.key_exchange) {
      if (e.counter == "keypairs-negotiated") negotiated = e.total;
      if (e.counter == "negotiations-initiated") initiated = e.total;
      if (e.counter == "negotiations-expired") expired = e.total;
    }
    Section s{printf_string("KEY EXCHANGE  initiated %llu  negotiated %llu  timed out %llu  "
                            "errors %llu",
                            static_cast<unsigned long long>(initiated),
                            static_cast<unsigned long long>(negotiated),
                            static_cast<unsigned long long>(expired),
                            static_cast<unsigned long long>(view.key_failures)),
              {},
              1};
    for (const std::string& e : log.events())
      s.rows.push_back(e);
    if (s.rows.empty()) s.rows.push_back("(no key exchange event seen yet)");
    sections.push_back(std::move(s));
  }

  // Headers first, then every section's minimum, then the rest in turn.
  std::size_t left = h > lines.size() ? h - lines.size() : 0;
  left -= std::min(left, sections.size());
  for (Section& s : sections) {
    s.given = std::min({s.minimum, s.rows.size(), left});
    left -= s.given;
  }
  for (bool more = true; more && left > 0;) {
    more = false;
    for (Section& s : sections)
      if (left > 0 && s.given < s.rows.size()) {
        ++s.given;
        --left;
        more = true;
      }
  }
  for (Section& s : sections) {
    if (lines.size() >= h) break;
    lines.push_back(s.header);
    for (std::size_t i = 0; i < s.given; ++i) {
      if (i + 1 == s.given && s.given < s.rows.size())
        lines.push_back(printf_string("  ... %zu more", s.rows.size() - i));
      else
        lines.push_back(s.rows[i]);
    }
  }
  if (lines.size() > h) lines.resize(h);
  for (std::string& line : lines) {
    if (line.size() > w) line.resize(w);
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
  }
  return lines;
}

}  // namespace strait::top
