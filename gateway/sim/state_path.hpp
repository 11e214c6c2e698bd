#pragma once
// A counter of a gateway-state text by its path below gateway-state
// ("key-manager/keypairs-negotiated", "inbound-sa[spi=1001][queue=1]/sa-state/decrypt-errors":
// list entries chosen by [leaf=value]); nullopt when there is no such
// counter. The path syntax of conformance/FORMAT.md's counters files.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace strait::sim {

std::optional<std::uint64_t> state_value(std::string_view state_text, std::string_view path);

}  // namespace strait::sim
