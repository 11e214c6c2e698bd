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

std::string render_gateway_state(std::span<const Worker* const> workers);
// The same for one queue (`strait config get-state --queue N`).
std::string render_queue_state(const Worker& worker);

}  // namespace strait::worker
