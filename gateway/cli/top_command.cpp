#include "cli/top_command.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "daemon/instance_directory.hpp"
#include "top/state_source.hpp"
#include "top/terminal.hpp"
#include "top/top_model.hpp"
#include "top/top_screen.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait top NAME [--once] [--interval SECONDS]\n"
    "  A live view of the running gateway NAME, refreshed as its state is\n"
    "  (every second): packet and bit rates per interface and queue, drops and\n"
    "  errors by reason, every SA (SPI, age, time to rekey and to expiry,\n"
    "  packets), key-exchange events. q quits.\n"
    "  --once        print one frame as plain text (rates over one state interval)\n"
    "                and exit\n"
    "  --interval S  rates over at least S seconds (default 1)\n"
    "  Asks the gateway over its control socket /run/strait/NAME.sock (get-state:\n"
    "  every queue summed and each queue, so rates per queue too; root), or reads\n"
    "  /run/strait/NAME/gateway-state (all queues summed) when the socket does not\n"
    "  answer. $STRAIT_RUN_DIR replaces /run/strait.\n";

std::string time_of_day(base::Nanoseconds taken) {
  const std::time_t seconds = static_cast<std::time_t>(taken / base::kSecond);
  std::tm local{};
  localtime_r(&seconds, &local);
  char buffer[16];
  std::strftime(buffer, sizeof(buffer), "%H:%M:%S", &local);
  return buffer;
}

// The latest snapshot, or the error that kept us from one.
base::Result<top::Snapshot> take(top::StateSource& source) {
  auto reading = source.read();
  if (!reading) return reading.error();
  return top::parse_snapshot(*reading);
}

int once(top::StateSource& source, const std::string& name, double interval) {
  auto first = take(source);
  if (!first) {
    std::fprintf(stderr, "strait top: %s\n", first.error().message.c_str());
    return 1;
  }
  // A second state for the rates: the gateway writes one every second.
  std::optional<top::Snapshot> second;
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(interval + 2.5);
  while (std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto next = take(source);
    if (!next) break;
    if (static_cast<double>(next->taken - first->taken) >= interval * 0.9e9 ||
        (next->taken > first->taken && interval < 1)) {
      second = std::move(*next);
      break;
    }
  }
  const top::View view =
      second ? top::compute_view(&*first, *second) : top::compute_view(nullptr, *first);
  top::EventLog log;
  log.record(view, time_of_day(second ? second->taken : first->taken));
  int width = 80;
  winsize ws{};
  if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    width = ws.ws_col;
  top::ScreenInfo info{name, time_of_day(second ? second->taken : first->taken),
                       second
                           ? ""
                           : "no newer state within " +
                                 std::to_string(static_cast<int>(interval + 2.5)) + " s: no rates",
                       ""};
  for (const std::string& line : top::render_screen(view, log, info, width, 1000))
    std::printf("%s\n", line.c_str());
  return 0;
}

int live(top::StateSource& source, const std::string& name, double interval,
         const ArgumentReader& reader) {
  auto first = take(source);
  if (!first) {
    std::fprintf(stderr, "strait top: %s\n", first.error().message.c_str());
    return 1;
  }
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
    return reader.usage_error("the live view needs a terminal: use --once for plain text");
  top::Terminal::install_signal_handlers();
  top::Terminal terminal(STDIN_FILENO, STDOUT_FILENO);
  std::optional<top::Snapshot> previous;
  top::Snapshot current = std::move(*first);
  top::View view = top::compute_view(nullptr, current);
  top::EventLog log;
  std::string status;
  for (bool redraw = true;;) {
    if (redraw) {
      int width = 80, height = 24;
      terminal.size(width, height);
      terminal.draw(top::render_screen(
          view, log, {name, time_of_day(current.taken), status, "q quits"}, width, height));
      redraw = false;
    }
    const int key = terminal.wait_key(200);
    if (key == 'q' || key == 'Q' || top::Terminal::stop_requested()) break;
    if (top::Terminal::take_resized()) redraw = true;
    if (key != 0) continue;
    auto next = take(source);
    if (!next) {
      redraw = redraw || status != next.error().message;
      status = next.error().message;
      continue;
    }
    if (!status.empty()) redraw = true;
    status.clear();
    if (next->taken <= current.taken ||
        static_cast<double>(next->taken - current.taken) < interval * 0.9e9)
      continue;
    previous = std::move(current);
    current = std::move(*next);
    view = top::compute_view(&*previous, current);
    log.record(view, time_of_day(current.taken));
    redraw = true;
  }
  return 0;
}

}  // namespace

std::string_view top_usage() {
  return kUsage;
}

int top_command(int argc, char** argv) {
  std::string name;
  bool print_once = false;
  double interval = 1;
  ArgumentReader reader("strait top", kUsage);
  reader.flag("--once", print_once);
  reader.option("--interval", "a number of seconds", [&](std::string_view text) -> base::Status {
    const std::string v(text);
    char* end = nullptr;
    interval = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !(interval >= 0.1 && interval <= 3600))
      return base::Error{"--interval takes seconds, from 0.1 to 3600"};
    return base::Ok{};
  });
  reader.positionals([&](std::string_view argument) -> base::Status {
    if (!name.empty()) return base::Error{"one gateway NAME only"};
    name = argument;
    return base::Ok{};
  });
  if (auto done = reader.read(argc, argv)) return *done;
  if (name.empty())
    return reader.usage_error("which gateway? give its NAME (strait run --name NAME)");
  if (auto ok = daemon::check_instance_name(name); !ok)
    return reader.usage_error(ok.error().message);
  // Ask the socket about as often as the rates need a new state.
  top::FallbackStateSource source(daemon::run_root(), name,
                                  static_cast<base::Nanoseconds>(interval * 0.9e9));
  return print_once ? once(source, name, interval) : live(source, name, interval, reader);
}

}  // namespace strait::cli
