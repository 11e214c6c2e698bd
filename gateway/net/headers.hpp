#pragma once
// Wire formats the gateway reads and writes: Ethernet, ARP, IPv4, IPv6, UDP,
// ICMP. Packed structs over packet bytes; multi-byte fields are in network
// order (use load/store helpers below). Packet memory is only accessed
// through these after the length was checked.

#include <arpa/inet.h>

#include <cstdint>
#include <cstring>

namespace strait::net {

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeArp = 0x0806;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;

constexpr std::uint8_t kProtocolIcmp = 1;
constexpr std::uint8_t kProtocolUdp = 17;
constexpr std::uint8_t kProtocolEsp = 50;
constexpr std::uint8_t kProtocolIcmp6 = 58;

constexpr std::size_t kEthernetHeaderSize = 14;
constexpr std::size_t kIpv4HeaderSize = 20;
constexpr std::size_t kIpv6HeaderSize = 40;
constexpr std::size_t kUdpHeaderSize = 8;
constexpr std::size_t kArpSize = 28;

inline std::uint16_t load16(const std::uint8_t* p) noexcept {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return ntohs(v);
}
inline std::uint32_t load32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}
inline void store16(std::uint8_t* p, std::uint16_t v) noexcept {
  v = htons(v);
  std::memcpy(p, &v, 2);
}
inline void store32(std::uint8_t* p, std::uint32_t v) noexcept {
  v = htonl(v);
  std::memcpy(p, &v, 4);
}

// Compares two IP addresses in packet memory (4 or 16 bytes) with word
// loads rather than a call to memcmp.
inline bool same_ip(const std::uint8_t* a, const std::uint8_t* b, bool ipv6) noexcept {
  if (!ipv6) {
    std::uint32_t x, y;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    return x == y;
  }
  std::uint64_t x[2], y[2];
  std::memcpy(x, a, 16);
  std::memcpy(y, b, 16);
  return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

struct [[gnu::packed]] EthernetHeader {
  std::uint8_t destination[6];
  std::uint8_t source[6];
  std::uint8_t ethertype[2];
};

struct [[gnu::packed]] ArpPacket {
  std::uint8_t hardware_type[2];  // 1: Ethernet
  std::uint8_t protocol_type[2];  // 0x0800
  std::uint8_t hardware_length;   // 6
  std::uint8_t protocol_length;   // 4
  std::uint8_t operation[2];      // 1 request, 2 reply
  std::uint8_t sender_mac[6];
  std::uint8_t sender_ip[4];
  std::uint8_t target_mac[6];
  std::uint8_t target_ip[4];
};

struct [[gnu::packed]] Ipv4Header {
  std::uint8_t version_ihl;
  std::uint8_t tos;
  std::uint8_t total_length[2];
  std::uint8_t identification[2];
  std::uint8_t flags_fragment[2];
  std::uint8_t ttl;
  std::uint8_t protocol;
  std::uint8_t checksum[2];
  std::uint8_t source[4];
  std::uint8_t destination[4];
};

constexpr std::uint16_t kIpv4DontFragment = 0x4000;
constexpr std::uint16_t kIpv4MoreFragments = 0x2000;
constexpr std::uint16_t kIpv4OffsetMask = 0x1fff;

struct [[gnu::packed]] Ipv6Header {
  std::uint8_t version_class_flow[4];
  std::uint8_t payload_length[2];
  std::uint8_t next_header;
  std::uint8_t hop_limit;
  std::uint8_t source[16];
  std::uint8_t destination[16];
};

struct [[gnu::packed]] UdpHeader {
  std::uint8_t source_port[2];
  std::uint8_t destination_port[2];
  std::uint8_t length[2];
  std::uint8_t checksum[2];
};

struct [[gnu::packed]] IcmpHeader {
  std::uint8_t type;
  std::uint8_t code;
  std::uint8_t checksum[2];
  std::uint8_t rest[4];  // identifier/sequence, MTU, pointer, unused
};

static_assert(sizeof(EthernetHeader) == kEthernetHeaderSize);
static_assert(sizeof(ArpPacket) == kArpSize);
static_assert(sizeof(Ipv4Header) == kIpv4HeaderSize);
static_assert(sizeof(Ipv6Header) == kIpv6HeaderSize);
static_assert(sizeof(UdpHeader) == kUdpHeaderSize);
static_assert(sizeof(IcmpHeader) == 8);

}  // namespace strait::net
