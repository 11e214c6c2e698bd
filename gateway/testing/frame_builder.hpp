#pragma once
// Builders for the frames a test feeds the gateway: Ethernet, IPv4 / IPv6
// with UDP, ICMP / ICMPv6 messages, ARP and neighbor discovery. Every
// checksum is computed unless an option asks for a bad one. Control path
// only (allocates); never used by the data plane.

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace strait::testing {

using Bytes = std::vector<std::uint8_t>;

// Parse or throw std::invalid_argument: for literals in tests.
net::Address ip(std::string_view text);
net::Mac mac(std::string_view text);

struct IpOptions {
  std::uint8_t ttl = 64;  // IPv6: hop limit
  std::uint8_t tos = 0;
  std::uint16_t identification = 0;
  bool dont_fragment = false;
  bool more_fragments = false;        // IPv4 MF, or the M flag of the IPv6 fragment header
  std::uint16_t fragment_offset = 0;  // in 8-byte units
  bool ipv6_fragment_header = false;  // IPv6: insert a fragment extension header
  Bytes ipv4_options;                 // padded with end-of-options to a multiple of 4
  bool bad_checksum = false;          // IPv4: corrupt the header checksum
};

// An IP packet of the family of `source` carrying `payload` as `protocol`.
Bytes ip_packet(const net::Address& source, const net::Address& destination, std::uint8_t protocol,
                const Bytes& payload, const IpOptions& options = {});

// UDP with a valid checksum.
Bytes udp_packet(const net::Address& source, const net::Address& destination,
                 std::uint16_t source_port, std::uint16_t destination_port, const Bytes& payload,
                 const IpOptions& options = {});

// ICMP (IPv4) or ICMPv6 (IPv6) message: type, code, the 32-bit word after
// the checksum, then `body`. bad_icmp_checksum corrupts the ICMP checksum.
Bytes icmp_packet(const net::Address& source, const net::Address& destination, std::uint8_t type,
                  std::uint8_t code, std::uint32_t rest, const Bytes& body,
                  const IpOptions& options = {}, bool bad_icmp_checksum = false);

// Echo request (type 8 / 128) with identifier and sequence number.
Bytes echo_request(const net::Address& source, const net::Address& destination,
                   std::uint16_t identifier, std::uint16_t sequence, const Bytes& data,
                   const IpOptions& options = {});

// Ethernet framing.
Bytes ethernet_frame(const net::Mac& destination, const net::Mac& source, std::uint16_t ethertype,
                     const Bytes& payload);
// An IP packet in an Ethernet frame; the ethertype follows its version.
Bytes ip_frame(const net::Mac& destination, const net::Mac& source, const Bytes& ip_packet);

// ARP over Ethernet (operation 1 request, 2 reply).
Bytes arp_frame(const net::Mac& destination, const net::Mac& source, std::uint16_t operation,
                const net::Mac& sender_mac, const net::Address& sender_ip,
                const net::Mac& target_mac, const net::Address& target_ip);

// Neighbor discovery as IPv6 packets (hop limit 255 unless told otherwise).
Bytes neighbor_solicitation(const net::Address& source, const net::Address& destination,
                            const net::Address& target, std::optional<net::Mac> source_link,
                            std::uint8_t hop_limit = 255);
// flags: the R|S|O word (e.g. 0x60000000 solicited + override).
Bytes neighbor_advertisement(const net::Address& source, const net::Address& destination,
                             const net::Address& target, std::uint32_t flags,
                             std::optional<net::Mac> target_link, std::uint8_t hop_limit = 255);
// ff02::1:ffXX:XXXX of an address, and the 33:33 MAC of an IPv6 group.
net::Address solicited_node(const net::Address& target);
net::Mac multicast_mac(const net::Address& group);

// Deterministic filler: byte i = seed + 7 * i.
Bytes pattern(std::size_t length, std::uint8_t seed = 0);
Bytes random_bytes(std::mt19937& random, std::size_t length);

// A copy of an IP packet with another TTL / hop limit (IPv4 header
// checksum recomputed): the packet as expected after forwarding.
Bytes with_ttl(const Bytes& packet, std::uint8_t ttl);

}  // namespace strait::testing
