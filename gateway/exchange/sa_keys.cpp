#include "exchange/sa_keys.hpp"

#include <algorithm>

namespace strait::exchange {
namespace {

void fill(SaKeys& sa, std::uint32_t spi, std::span<const std::uint8_t, 20> material) {
  sa.spi = spi;
  std::copy_n(material.begin(), 16, sa.key.begin());
  std::copy_n(material.begin() + 16, 4, sa.salt.begin());
}

}  // namespace

SaPair make_sa_pair(Role role, std::span<const std::uint8_t, kSplitSize> split_output,
                    std::uint32_t own_spi, std::uint32_t peer_spi) noexcept {
  const auto first = split_output.first<20>();
  const auto second = split_output.last<20>();
  SaPair pair;
  fill(pair.inbound, own_spi, role == Role::kInitiator ? first : second);
  fill(pair.outbound, peer_spi, role == Role::kInitiator ? second : first);
  return pair;
}

}  // namespace strait::exchange
