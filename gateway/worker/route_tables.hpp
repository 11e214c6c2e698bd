#pragma once
// A configuration's routes as a worker looks them up: the longest-prefix
// tables of its address family and the route ids, indexed in
// configuration order (route i is value i in the tables and route_ids[i]).
// Built aside, so a worker swaps them in whole, at creation and at each
// reconfiguration alike.

#include <string>
#include <vector>

#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "route/lpm4.hpp"
#include "route/lpm6.hpp"

namespace strait::worker {

struct RouteTables {
  route::Lpm4 lpm4;  // IPv4 gateways; empty otherwise
  route::Lpm6 lpm6;  // IPv6 gateways; empty otherwise
  std::vector<std::string> route_ids;
};

// Errors name the route whose prefix could not be inserted.
base::Result<RouteTables> build_route_tables(const config::GatewayConfig& config);

}  // namespace strait::worker
