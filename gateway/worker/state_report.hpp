#pragma once
// Renders CONFIG.md's gateway-state for a set of workers in the YANG data
// text syntax `snabb config get-state` prints. Counters of containers that
// every queue has (interfaces, dispatch, routers, next hops, ICMP) are
// summed over the workers; inbound SAs are listed per (queue, spi). Keys
// and salts never appear.

#include <span>
#include <string>

#include "worker/worker.hpp"

namespace strait::worker {

// Leaves that only a running gateway reports (strait run's get-state), not
// the captures' golden states of strait replay, which must not depend on
// the machine: `worker { esp-implementation avx512; }`, the libipsec-mb
// code path the queues use (esp::Engine; the same for every queue).
struct StateExtras {
  bool esp_implementation = false;
};

std::string render_gateway_state(std::span<const Worker* const> workers, StateExtras extras = {});
// The same for one queue (`strait config get-state --queue N`).
std::string render_queue_state(const Worker& worker, StateExtras extras = {});

}  // namespace strait::worker
