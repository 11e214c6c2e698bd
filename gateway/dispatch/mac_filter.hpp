#pragma once
// Which frames an interface takes, by destination MAC: its own MAC,
// broadcast, and the multicast groups it listens to (net/multicast.hpp).
// Frames for other stations (seen when the link floods them, on a bridge,
// a veth or a hub) and other multicast are not the gateway's: the
// dispatchers count them as mac-errors and drop them, so a frame for
// another host on the private LAN is never tunnelled.
//
// Branch-free: the six destination bytes as one integer compared with the
// four accepted ones (unused slots repeat broadcast).

#include <array>
#include <cstdint>
#include <cstring>

#include "net/address.hpp"
#include "net/multicast.hpp"

namespace strait::dispatch {

class MacFilter {
 public:
  MacFilter(const net::Mac& own, const net::Address& own_ip) : own_(key(own.bytes.data())) {
    accepted_.fill(key(net::kBroadcastMac.bytes.data()));
    std::size_t i = 1;
    for (const net::Mac& group : net::listened_groups(own_ip))
      accepted_[i++] = key(group.bytes.data());
  }

  // `destination`: the first six bytes of a frame.
  bool accepts(const std::uint8_t* destination) const noexcept {
    const std::uint64_t d = key(destination);
    // Without branches: four comparisons or'ed as integers.
    const int hits =
        int{d == own_} | int{d == accepted_[0]} | int{d == accepted_[1]} | int{d == accepted_[2]};
    return hits != 0;
  }

 private:
  // From a 4- and a 2-byte load put together in a register: six bytes
  // copied into a zeroed 8-byte variable would be stored and read back as
  // one load, which the stores cannot forward (half the dispatchers' time).
  static std::uint64_t key(const std::uint8_t* mac) noexcept {
    std::uint32_t low;
    std::uint16_t high;
    std::memcpy(&low, mac, 4);
    std::memcpy(&high, mac + 4, 2);
    return low | std::uint64_t{high} << 32;
  }

  std::uint64_t own_;
  std::array<std::uint64_t, 3> accepted_{};  // broadcast, then the listened groups
};

}  // namespace strait::dispatch
