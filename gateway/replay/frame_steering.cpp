#include "replay/frame_steering.hpp"

#include <cstring>

#include "net/headers.hpp"

namespace strait::replay {

namespace {

constexpr std::size_t kEthernet = net::kEthernetHeaderSize;
constexpr std::uint8_t kNeighborSolicitation = 135;

std::uint16_t ethertype_of(std::span<const std::uint8_t> frame) noexcept {
  return net::load16(frame.data() + 12);
}

// The destination the frame is for: an IPv4 / IPv6 destination, or the
// target of an ARP request; nullptr when the frame has none.
const std::uint8_t* destination_of(std::span<const std::uint8_t> frame,
                                   std::size_t& length) noexcept {
  const std::uint16_t type = ethertype_of(frame);
  if (type == net::kEthertypeIpv4 && frame.size() >= kEthernet + 20) {
    length = 4;
    return frame.data() + kEthernet + 16;
  }
  if (type == net::kEthertypeIpv6 && frame.size() >= kEthernet + 40) {
    length = 16;
    const std::uint8_t* ip = frame.data() + kEthernet;
    // A neighbor solicitation goes to a multicast group: the address
    // asked for is its target.
    if (ip[6] == net::kProtocolIcmp6 && frame.size() >= kEthernet + 40 + 24 &&
        ip[40] == kNeighborSolicitation)
      return ip + 40 + 8;
    return ip + 24;
  }
  if (type == net::kEthertypeArp && frame.size() >= kEthernet + 28) {
    length = 4;
    return frame.data() + kEthernet + 24;  // target protocol address
  }
  return nullptr;
}

}  // namespace

std::size_t private_queue_index(std::span<const std::uint8_t> frame, std::size_t queues) noexcept {
  if (queues <= 1 || frame.size() < kEthernet) return 0;
  const std::uint16_t type = ethertype_of(frame);
  std::size_t offset = 0, length = 0;
  if (type == net::kEthertypeIpv4 && frame.size() >= kEthernet + 20) {
    offset = kEthernet + 12;
    length = 8;
  } else if (type == net::kEthertypeIpv6 && frame.size() >= kEthernet + 40) {
    offset = kEthernet + 8;
    length = 32;
  } else {
    return 0;
  }
  std::uint8_t mix = 0;
  for (std::size_t i = 0; i < length; ++i)
    mix ^= frame[offset + i];
  return mix % queues;
}

std::size_t public_queue_index(std::span<const std::uint8_t> frame,
                               std::span<const PublicSide> sides) noexcept {
  if (sides.size() <= 1 || frame.size() < kEthernet) return 0;
  for (std::size_t i = 0; i < sides.size(); ++i)
    if (std::memcmp(frame.data(), sides[i].mac.bytes.data(), 6) == 0) return i;
  std::size_t length = 0;
  const std::uint8_t* destination = destination_of(frame, length);
  if (destination == nullptr) return 0;
  for (std::size_t i = 0; i < sides.size(); ++i)
    if (sides[i].ip.size() == length && std::memcmp(sides[i].ip.data(), destination, length) == 0)
      return i;
  return 0;
}

}  // namespace strait::replay
