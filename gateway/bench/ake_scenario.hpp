#pragma once
// The key-exchange benchmark: two gateways (paris and tokyo) with N routes
// to each other, key manager on (data-plane false), their public ports
// joined by an in-memory wire, run on one thread with a virtual clock. Both
// start negotiating every route at once; the run ends when every route on
// both sides has an outbound SA and an inbound SA that the other side
// holds. Virtual time advances by a millisecond only when both gateways are
// idle (nothing on the wire or in a control queue), so each key manager's
// limits (100 inbound messages per second, 32 negotiations at once) hold in
// virtual time while the CPU never waits: the wall time is the CPU work of
// the exchanges (both ends of each, plus what the limits waste).

#include <cstdint>
#include <optional>

#include "base/result.hpp"

namespace strait::bench {

struct AkeOptions {
  std::uint32_t routes = 1;
  std::optional<int> cpu;            // pin the thread
  double timeout_seconds = 600;      // wall time
  double virtual_limit_seconds = 0;  // 0: 120 s + 1 s per route
};

struct AkeGatewayReport {
  std::uint64_t initiated = 0;  // negotiations started (knocks)
  std::uint64_t completed = 0;  // as initiator (keypairs-negotiated)
  std::uint64_t responded = 0;  // as responder (keypairs-offered)
  std::uint64_t expired = 0;    // negotiations timed out
  std::uint64_t dropped = 0;    // rxerrors: over the rate limit or a full control queue
  // Routes with an outbound SA whose SPI the other gateway holds as an
  // inbound SA of the same route.
  std::uint32_t routes_keyed = 0;
  // Routes with at least one inbound SA.
  std::uint32_t routes_with_inbound = 0;
  // Inbound SAs in the gateway's SA database at the end (every completed
  // exchange, in either role, leaves one until it expires or a route's
  // fifth replaces its oldest).
  std::uint64_t inbound_sas = 0;
};

struct AkeReport {
  std::uint32_t routes = 0;
  bool complete = false;            // every route keyed both ways before a limit
  std::uint64_t exchanges = 0;      // completed, both gateways (counted at the initiator)
  double seconds = 0;               // wall
  double cpu_seconds = 0;           // the thread's CPU time
  double exchanges_per_second = 0;  // per wall second
  double virtual_seconds = 0;
  AkeGatewayReport paris;
  AkeGatewayReport tokyo;
};

base::Result<AkeReport> run_ake(const AkeOptions& options);

}  // namespace strait::bench
