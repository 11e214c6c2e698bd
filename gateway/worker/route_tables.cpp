#include "worker/route_tables.hpp"

namespace strait::worker {

base::Result<RouteTables> build_route_tables(const config::GatewayConfig& config) {
  RouteTables tables;
  tables.route_ids.reserve(config.routes.size());
  for (std::uint32_t i = 0; i < config.routes.size(); ++i) {
    const config::Route& route = config.routes[i];
    const base::Status inserted = config.family == net::Family::kIpv4
                                      ? tables.lpm4.insert(route.net, i)
                                      : tables.lpm6.insert(route.net, i);
    if (!inserted) return base::Error{"route " + route.id + ": " + inserted.error().message};
    tables.route_ids.push_back(route.id);
  }
  tables.lpm4.shrink_to_fit();
  tables.lpm6.shrink_to_fit();
  return tables;
}

}  // namespace strait::worker
