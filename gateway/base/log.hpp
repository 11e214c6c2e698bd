#pragma once
// Log lines on standard error, one per event:
//
//   2026-11-26T01:02:03.456Z strait[paris] info: configuration changed (set /mtu)
//
// (UTC, milliseconds; the bracket holds the instance name, set once by the
// daemon). Each call site has its own rate limit (20 lines per second,
// refilled continuously); lines it suppresses are counted and reported with
// its next line. Control paths only: formatting allocates, and a line is
// written with one write(2) under a mutex. Never pass key material.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "base/rate_limit.hpp"

namespace strait::base {

enum class LogLevel { kInfo, kWarning, kError };

// The name shown as strait[NAME]; "" shows plain "strait".
void set_log_name(std::string_view name);

class Clock;
// Timestamps from `clock` (nanoseconds since the epoch: virtual time, as
// strait replay keeps it) instead of the system's; nullptr: the system's.
// The clock must outlive its use.
void set_log_clock(const Clock* clock);
// No log lines at all while muted (strait sim --quiet, --explore).
void set_log_muted(bool muted);

// "2026-11-26T01:02:03.456Z strait[NAME] level: message\n".
std::string format_log_line(LogLevel level, std::string_view message);

// Writes one line to standard error, unconditionally.
void write_log_line(LogLevel level, std::string_view message);

// The rate limit of one call site.
class LogSite {
 public:
  static constexpr std::uint32_t kBurst = 20;
  void log(LogLevel level, std::string_view message);

 private:
  std::mutex mutex_;
  RateLimit limit_{kBurst, kSecond};
  std::uint64_t reported_suppressed_ = 0;
};

}  // namespace strait::base

#define STRAIT_LOG_AT(level, message)                                 \
  do {                                                                \
    static ::strait::base::LogSite strait_log_site_;                  \
    strait_log_site_.log(::strait::base::LogLevel::level, (message)); \
  } while (0)
#define LOG_INFO(message) STRAIT_LOG_AT(kInfo, message)
#define LOG_WARN(message) STRAIT_LOG_AT(kWarning, message)
#define LOG_ERROR(message) STRAIT_LOG_AT(kError, message)
