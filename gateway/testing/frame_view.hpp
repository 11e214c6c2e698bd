#pragma once
// Parsers for what the gateway sends: each returns nullopt when the bytes
// are not a well-formed instance of the layer, so tests can assert both
// structure and content. Checksums are verified and reported, not enforced.

#include <cstdint>
#include <optional>

#include "net/address.hpp"
#include "testing/frame_builder.hpp"

namespace strait::testing {

struct EthernetView {
  net::Mac destination;
  net::Mac source;
  std::uint16_t ethertype = 0;
  Bytes payload;
};
std::optional<EthernetView> parse_ethernet(const Bytes& frame);

struct IpView {
  net::Family family = net::Family::kIpv4;
  net::Address source;
  net::Address destination;
  std::uint8_t protocol = 0;  // IPv6: the first next header
  std::uint8_t ttl = 0;       // IPv6: hop limit
  std::uint16_t flags_fragment = 0;
  std::size_t header_length = 0;
  bool header_checksum_ok = true;  // IPv4 only
  Bytes packet;                    // the whole IP packet (trimmed to its stated length)
  Bytes payload;                   // from the upper-layer header
};
// `packet` may carry trailing bytes (trimmed); nullopt if shorter than its
// stated length or not a version 4 / 6 header.
std::optional<IpView> parse_ip(const Bytes& packet);
// Ethernet frame with an IPv4 / IPv6 ethertype matching the packet.
std::optional<IpView> parse_ip_frame(const Bytes& frame);

struct IcmpView {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest = 0;
  bool checksum_ok = false;
  Bytes body;  // after the 8-byte header
};
// ICMP (protocol 1) or ICMPv6 (58) of an IP packet.
std::optional<IcmpView> parse_icmp(const IpView& ip);

struct UdpView {
  std::uint16_t source_port = 0;
  std::uint16_t destination_port = 0;
  bool checksum_ok = false;
  Bytes payload;
};
std::optional<UdpView> parse_udp(const IpView& ip);

struct ArpView {
  std::uint16_t operation = 0;
  net::Mac sender_mac;
  net::Address sender_ip;
  net::Mac target_mac;
  net::Address target_ip;
};
// An Ethernet frame carrying ARP for IPv4 over Ethernet.
std::optional<ArpView> parse_arp_frame(const Bytes& frame);

struct NeighborView {
  std::uint8_t type = 0;  // 135 solicitation, 136 advertisement
  std::uint32_t flags = 0;
  net::Address target;
  std::optional<net::Mac> link;  // source (NS) / target (NA) link-layer option
};
std::optional<NeighborView> parse_neighbor(const IpView& ip);

}  // namespace strait::testing
