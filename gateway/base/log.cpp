#include "base/log.hpp"

#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "base/clock.hpp"

namespace strait::base {

namespace {

std::mutex name_mutex;
std::string log_name = "strait";  // guarded by name_mutex

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

Nanoseconds monotonic_now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<Nanoseconds>(t.tv_sec) * kSecond + static_cast<Nanoseconds>(t.tv_nsec);
}

}  // namespace

void set_log_name(std::string_view name) {
  std::lock_guard lock(name_mutex);
  log_name = name.empty() ? std::string("strait") : "strait[" + std::string(name) + "]";
}

namespace {
std::atomic<const Clock*> log_clock{nullptr};
std::atomic<bool> log_muted{false};
}  // namespace

void set_log_muted(bool muted) {
  log_muted.store(muted);
}

void set_log_clock(const Clock* clock) {
  log_clock.store(clock);
}

std::string format_log_line(LogLevel level, std::string_view message) {
  timespec now{};
  if (const Clock* clock = log_clock.load()) {
    const Nanoseconds t = clock->now();
    now.tv_sec = static_cast<time_t>(t / kSecond);
    now.tv_nsec = static_cast<long>(t % kSecond);
  } else {
    clock_gettime(CLOCK_REALTIME, &now);
  }
  tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                now.tv_nsec / 1'000'000L);
  std::string line = stamp;
  line += ' ';
  {
    std::lock_guard lock(name_mutex);
    line += log_name;
  }
  line += ' ';
  line += level_name(level);
  line += ": ";
  // One event, one line.
  for (char c : message)
    line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  return line;
}

void write_log_line(LogLevel level, std::string_view message) {
  if (log_muted.load()) return;
  const std::string line = format_log_line(level, message);
  static std::mutex write_mutex;
  std::lock_guard lock(write_mutex);
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(STDERR_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

void LogSite::log(LogLevel level, std::string_view message) {
  std::uint64_t suppressed = 0;
  {
    std::lock_guard lock(mutex_);
    if (!limit_.allow(monotonic_now())) return;
    suppressed = limit_.suppressed() - reported_suppressed_;
    reported_suppressed_ = limit_.suppressed();
  }
  if (suppressed == 0) {
    write_log_line(level, message);
    return;
  }
  write_log_line(level, std::string(message) + " (" + std::to_string(suppressed) +
                            " similar lines suppressed)");
}

}  // namespace strait::base
