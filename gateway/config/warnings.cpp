#include "config/warnings.hpp"

namespace strait::config {

std::vector<std::string> warnings_of(const GatewayConfig& config) {
  std::vector<std::string> warnings;
  const std::uint64_t minimum =
      static_cast<std::uint64_t>(config.negotiation_ttl) * kMinSaTtlInNegotiationTtls;
  if (!config.data_plane && config.sa_ttl < minimum)
    warnings.push_back(
        "sa-ttl " + std::to_string(config.sa_ttl) + " is less than " +
        std::to_string(kMinSaTtlInNegotiationTtls) + " x negotiation-ttl (" +
        std::to_string(config.negotiation_ttl) +
        "): SAs are rekeyed after sa-ttl/2 (plus up to sa-ttl/8) and a new outbound SA is "
        "active only 1.5 x negotiation-ttl after it is negotiated, so an SA can expire before "
        "its successor is active and traffic stalls at each rekey; set sa-ttl to at least " +
        std::to_string(minimum) + " or lower negotiation-ttl");
  return warnings;
}

}  // namespace strait::config
