#pragma once
// Configurations that are valid (a peer Vita accepts them) but work badly:
// said to the operator (logged at start, on SIGHUP and with every applied
// transaction; printed by `strait config set / add / remove`), never
// refused.

#include <string>
#include <vector>

#include "config/gateway_config.hpp"

namespace strait::config {

// sa-ttl below this many negotiation-ttl: see warnings_of.
inline constexpr std::uint32_t kMinSaTtlInNegotiationTtls = 4;

// One sentence per problem (empty: none):
// * sa-ttl < 4 x negotiation-ttl (key exchange only): PROTOCOL.md 2.4
//   rekeys at sa-ttl/2 plus up to sa-ttl/8 and activates the new outbound
//   SA 1.5 x negotiation-ttl after the negotiation (itself up to
//   negotiation-ttl long), so the old SA can expire before its successor
//   is active and traffic stalls at each rekey.
std::vector<std::string> warnings_of(const GatewayConfig& config);

}  // namespace strait::config
