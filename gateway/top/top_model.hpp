#pragma once
// What `strait top` shows, computed from two successive gateway-state
// snapshots and the time between them: packet and bit rates per interface
// and queue, drops and errors by reason, one row per SA, and key-exchange
// events (key-manager counters that moved).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "top/state_source.hpp"

namespace strait::top {

struct SaEntry {
  bool outbound = false;
  std::string route;
  unsigned queue = 0;
  std::uint32_t spi = 0;
  std::optional<std::uint64_t> age;         // seconds
  std::optional<std::uint64_t> expires_in;  // seconds
  std::optional<std::uint64_t> rekey_in;    // seconds (outbound)
  std::uint64_t packets = 0;                // sent (outbound), highest sequence received (inbound)
  std::uint64_t errors = 0;                 // sa-state counters summed (inbound)
};

// Counters of one document: container -> leaf -> value, containers and
// leaves in document order.
struct QueueCounters {
  std::optional<unsigned> queue;  // nullopt: all queues summed
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::uint64_t>>>>
      containers;
  std::uint64_t value(const std::string& container, const std::string& leaf) const;
};

struct Snapshot {
  std::vector<QueueCounters> queues;
  std::vector<SaEntry> sas;
  base::Nanoseconds taken = 0;
};

base::Result<Snapshot> parse_snapshot(const StateReading& reading);

struct InterfaceRates {
  std::string interface;  // "private", "public"
  std::string queue;      // "all" or the queue number
  double rx_pps = 0, rx_bps = 0, tx_pps = 0, tx_bps = 0;
};

struct Problem {       // a non-zero drop or error counter
  std::string where;   // container (and queue when per queue)
  std::string reason;  // leaf
  std::uint64_t total = 0;
  double per_second = 0;
};

struct SaRow {
  SaEntry sa;
  double pps = 0;  // packets per second since the previous snapshot
};

struct KeyEvent {
  std::string counter;  // key-manager leaf
  std::uint64_t total = 0;
  std::uint64_t delta = 0;  // since the previous snapshot
};

struct View {
  bool has_rates = false;  // false on the first snapshot
  double elapsed = 0;      // seconds between the snapshots
  std::vector<InterfaceRates> interfaces;
  std::vector<Problem> problems;  // largest rate first, then largest total
  std::vector<SaRow> sas;         // by route, queue, outbound first
  std::vector<KeyEvent> key_exchange;
  std::uint64_t key_failures = 0;  // key-manager *-errors summed
};

// `previous` may be null (no rates yet).
View compute_view(const Snapshot* previous, const Snapshot& current);

// True for counters that count drops or errors.
bool is_problem_counter(const std::string& leaf);

}  // namespace strait::top
