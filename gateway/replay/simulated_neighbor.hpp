#pragma once
// A next hop of `strait replay --answer-neighbors`: it answers the
// gateway's ARP requests and IPv6 neighbor solicitations for its address,
// so a case need not script them. Its MAC is 5a:bb: followed by the last 4
// bytes of its address. Replay harness code (control path, allocates),
// built with the test frame builders.

#include <cstdint>
#include <span>
#include <vector>

#include "net/address.hpp"

namespace strait::replay {

class SimulatedNeighbor {
 public:
  explicit SimulatedNeighbor(const net::Address& ip) : ip_(ip), mac_(mac_of(ip)) {}

  static net::Mac mac_of(const net::Address& ip);

  // The frame it answers `sent` with (an ARP reply, a solicited neighbor
  // advertisement), or nothing when `sent` does not ask for it.
  std::vector<std::uint8_t> answer(std::span<const std::uint8_t> sent) const;

  const net::Address& ip() const noexcept { return ip_; }
  const net::Mac& mac() const noexcept { return mac_; }

 private:
  net::Address ip_;
  net::Mac mac_;
};

}  // namespace strait::replay
