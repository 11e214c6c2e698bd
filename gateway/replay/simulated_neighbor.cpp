#include "replay/simulated_neighbor.hpp"

#include <cstring>

#include "net/headers.hpp"
#include "testing/frame_builder.hpp"

namespace strait::replay {

namespace {

constexpr std::size_t kEthernet = net::kEthernetHeaderSize;
constexpr std::uint8_t kNeighborSolicitation = 135;
constexpr std::uint32_t kSolicitedOverride = 0x60000000;

net::Mac mac_at(const std::uint8_t* p) {
  net::Mac mac;
  std::memcpy(mac.bytes.data(), p, 6);
  return mac;
}

}  // namespace

net::Mac SimulatedNeighbor::mac_of(const net::Address& ip) {
  net::Mac mac{{0x5a, 0xbb, 0, 0, 0, 0}};
  std::memcpy(mac.bytes.data() + 2, ip.data() + ip.size() - 4, 4);
  return mac;
}

std::vector<std::uint8_t> SimulatedNeighbor::answer(std::span<const std::uint8_t> sent) const {
  if (sent.size() < kEthernet) return {};
  const std::uint8_t* l3 = sent.data() + kEthernet;
  const std::uint16_t type = net::load16(sent.data() + 12);
  const net::Mac requester = mac_at(sent.data() + 6);
  if (type == net::kEthertypeArp && ip_.family == net::Family::kIpv4 &&
      sent.size() >= kEthernet + 28 && net::load16(l3 + 6) == 1 &&
      std::memcmp(l3 + 24, ip_.data(), 4) == 0) {
    return testing::arp_frame(requester, mac_, 2, mac_, ip_, mac_at(l3 + 8),
                              net::Address::ipv4(l3 + 14));
  }
  if (type == net::kEthertypeIpv6 && ip_.family == net::Family::kIpv6 &&
      sent.size() >= kEthernet + 40 + 24 && l3[6] == net::kProtocolIcmp6 &&
      l3[40] == kNeighborSolicitation && std::memcmp(l3 + 48, ip_.data(), 16) == 0) {
    const auto advertisement = testing::neighbor_advertisement(ip_, net::Address::ipv6(l3 + 8), ip_,
                                                               kSolicitedOverride, mac_);
    return testing::ip_frame(requester, mac_, advertisement);
  }
  return {};
}

}  // namespace strait::replay
