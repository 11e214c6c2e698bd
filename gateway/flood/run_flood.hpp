#pragma once
// `strait flood`: sends the requested numbers of forged frames of each kind
// (forged_frames.hpp) out of one interface (PacketSender), interleaved so
// that every kind is spread over the whole run, paced at a rate, and bounded
// in time. Each frame is written from its kind's template into a batch
// buffer (only the varied fields change), a batch goes out with one
// sendmmsg(2).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "flood/forged_frames.hpp"

namespace strait::flood {

struct FloodOptions {
  std::string ifname;  // sent out of this interface
  // The target; source_mac is the interface's own unless set here.
  Target target;
  bool source_mac_given = false;
  std::vector<std::pair<Kind, std::uint64_t>> kinds;    // how many frames of each
  std::uint64_t rate = 0;                               // frames per second; 0: as fast as it can
  base::Nanoseconds max_duration = 60 * base::kSecond;  // stops there, whatever is left
  std::uint64_t seed = 1;                               // the frames' random fields
  std::size_t batch = 64;                               // frames per sendmmsg(2), 1 to 256
};

struct FloodReport {
  struct PerKind {
    Kind kind;
    std::uint64_t requested = 0;
    std::uint64_t sent = 0;  // taken by the kernel
  };
  std::vector<PerKind> kinds;
  std::uint64_t sent = 0;
  std::uint64_t refused_batches = 0;  // sendmmsg(2) took nothing (no buffers): retried
  base::Nanoseconds elapsed = 0;
  bool timed_out = false;  // max_duration reached before everything was sent

  double rate() const {
    return elapsed > 0 ? static_cast<double>(sent) * 1e9 / static_cast<double>(elapsed) : 0;
  }
};

// Sends until every kind's count is sent or max_duration passes. Errors:
// a bad target, the interface (cannot open, went away).
base::Result<FloodReport> run_flood(const FloodOptions& options);

// One line per kind, then a total line:
//   flood: esp-random-spi sent 333334 of 333334
//   flood: 2000000 frames in 10.003 s (199940 frames/s) out of to-paris
std::string format_report(const FloodReport& report, const std::string& ifname);
// The same as one JSON object: {"sent":..,"seconds":..,"rate":..,
// "timed_out":..,"kinds":{"esp-random-spi":{"requested":..,"sent":..},...}}.
std::string format_report_json(const FloodReport& report);

}  // namespace strait::flood
