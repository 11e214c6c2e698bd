#pragma once
// Lays out a top::View as the lines of a W x H terminal screen: a title,
// then interfaces, drops and errors, SAs and key exchange, each cut to the
// rows it gets ("... N more" says what did not fit). Never more than
// `height` lines, none longer than `width` characters (plain ASCII);
// 80 x 24 shows every section.

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "top/top_model.hpp"

namespace strait::top {

// Recent key-exchange events: key-manager counters that moved, newest
// first, at most kCapacity.
class EventLog {
 public:
  static constexpr std::size_t kCapacity = 64;
  void record(const View& view, const std::string& time_of_day);
  const std::deque<std::string>& events() const noexcept { return events_; }

 private:
  std::deque<std::string> events_;
};

struct ScreenInfo {
  std::string instance;
  std::string time_of_day;  // HH:MM:SS
  std::string status;       // e.g. why the state could not be read; empty: fine
  std::string hint;         // e.g. "q quits"
};

std::vector<std::string> render_screen(const View& view, const EventLog& log,
                                       const ScreenInfo& info, int width, int height);

// 0 -> "0", 1234 -> "1.23k", 12345678 -> "12.3M".
std::string format_si(double value);
// Seconds as "42s", "12m", "3h".
std::string format_duration(std::uint64_t seconds);

}  // namespace strait::top
