#include "testing/frame_builder.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::testing {

using namespace strait::net;

net::Address ip(std::string_view text) {
  const auto a = Address::parse(text);
  if (!a) throw std::invalid_argument("bad address " + std::string(text));
  return *a;
}

net::Mac mac(std::string_view text) {
  const auto m = Mac::parse(text);
  if (!m) throw std::invalid_argument("bad MAC " + std::string(text));
  return *m;
}

namespace {

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  store16(b.data() + at, v);
}
void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  store32(b.data() + at, v);
}

std::uint16_t upper_checksum(const Address& source, const Address& destination,
                             std::uint8_t protocol, const Bytes& message) {
  const std::uint32_t pseudo = source.family == Family::kIpv4
                                   ? pseudo_header_ipv4(source.data(), destination.data(), protocol,
                                                        static_cast<std::uint16_t>(message.size()))
                                   : pseudo_header_ipv6(source.data(), destination.data(), protocol,
                                                        static_cast<std::uint32_t>(message.size()));
  return checksum_finish(checksum_partial(message.data(), message.size(), pseudo));
}

}  // namespace

Bytes ip_packet(const Address& source, const Address& destination, std::uint8_t protocol,
                const Bytes& payload, const IpOptions& options) {
  if (source.family == Family::kIpv4) {
    Bytes options_bytes = options.ipv4_options;
    while (options_bytes.size() % 4 != 0)
      options_bytes.push_back(0);
    const std::size_t header = kIpv4HeaderSize + options_bytes.size();
    Bytes b(header + payload.size());
    b[0] = static_cast<std::uint8_t>(0x40 | (header / 4));
    b[1] = options.tos;
    put16(b, 2, static_cast<std::uint16_t>(b.size()));
    put16(b, 4, options.identification);
    std::uint16_t flags = static_cast<std::uint16_t>(options.fragment_offset & kIpv4OffsetMask);
    if (options.dont_fragment) flags |= kIpv4DontFragment;
    if (options.more_fragments) flags |= kIpv4MoreFragments;
    put16(b, 6, flags);
    b[8] = options.ttl;
    b[9] = protocol;
    std::memcpy(b.data() + 12, source.data(), 4);
    std::memcpy(b.data() + 16, destination.data(), 4);
    std::copy(options_bytes.begin(), options_bytes.end(), b.begin() + kIpv4HeaderSize);
    std::copy(payload.begin(), payload.end(), b.begin() + static_cast<std::ptrdiff_t>(header));
    std::uint16_t sum = checksum(b.data(), header);
    if (options.bad_checksum) sum = static_cast<std::uint16_t>(sum ^ 0x5a5a);
    put16(b, 10, sum);
    return b;
  }
  const std::size_t extension = options.ipv6_fragment_header ? 8 : 0;
  Bytes b(kIpv6HeaderSize + extension + payload.size());
  put32(b, 0, 0x60000000u | (std::uint32_t{options.tos} << 20));
  put16(b, 4, static_cast<std::uint16_t>(extension + payload.size()));
  b[6] = options.ipv6_fragment_header ? 44 : protocol;
  b[7] = options.ttl;
  std::memcpy(b.data() + 8, source.data(), 16);
  std::memcpy(b.data() + 24, destination.data(), 16);
  if (options.ipv6_fragment_header) {
    b[40] = protocol;
    put16(b, 42,
          static_cast<std::uint16_t>((options.fragment_offset << 3) |
                                     (options.more_fragments ? 1 : 0)));
    put32(b, 44, options.identification);
  }
  std::copy(payload.begin(), payload.end(),
            b.begin() + static_cast<std::ptrdiff_t>(kIpv6HeaderSize + extension));
  return b;
}

Bytes udp_packet(const Address& source, const Address& destination, std::uint16_t source_port,
                 std::uint16_t destination_port, const Bytes& payload, const IpOptions& options) {
  Bytes u(kUdpHeaderSize + payload.size());
  put16(u, 0, source_port);
  put16(u, 2, destination_port);
  put16(u, 4, static_cast<std::uint16_t>(u.size()));
  std::copy(payload.begin(), payload.end(), u.begin() + kUdpHeaderSize);
  std::uint16_t sum = upper_checksum(source, destination, kProtocolUdp, u);
  if (sum == 0) sum = 0xffff;
  put16(u, 6, sum);
  return ip_packet(source, destination, kProtocolUdp, u, options);
}

Bytes icmp_packet(const Address& source, const Address& destination, std::uint8_t type,
                  std::uint8_t code, std::uint32_t rest, const Bytes& body,
                  const IpOptions& options, bool bad_icmp_checksum) {
  const bool v6 = source.family == Family::kIpv6;
  Bytes m(8 + body.size());
  m[0] = type;
  m[1] = code;
  put32(m, 4, rest);
  std::copy(body.begin(), body.end(), m.begin() + 8);
  std::uint16_t sum =
      v6 ? upper_checksum(source, destination, kProtocolIcmp6, m) : checksum(m.data(), m.size());
  if (bad_icmp_checksum) sum = static_cast<std::uint16_t>(sum ^ 0x0101);
  put16(m, 2, sum);
  return ip_packet(source, destination, v6 ? kProtocolIcmp6 : kProtocolIcmp, m, options);
}

Bytes echo_request(const Address& source, const Address& destination, std::uint16_t identifier,
                   std::uint16_t sequence, const Bytes& data, const IpOptions& options) {
  const bool v6 = source.family == Family::kIpv6;
  return icmp_packet(source, destination, v6 ? 128 : 8, 0,
                     (std::uint32_t{identifier} << 16) | sequence, data, options);
}

Bytes ethernet_frame(const Mac& destination, const Mac& source, std::uint16_t ethertype,
                     const Bytes& payload) {
  Bytes f(kEthernetHeaderSize + payload.size());
  std::copy(destination.bytes.begin(), destination.bytes.end(), f.begin());
  std::copy(source.bytes.begin(), source.bytes.end(), f.begin() + 6);
  put16(f, 12, ethertype);
  std::copy(payload.begin(), payload.end(), f.begin() + kEthernetHeaderSize);
  return f;
}

Bytes ip_frame(const Mac& destination, const Mac& source, const Bytes& packet) {
  const bool v6 = !packet.empty() && (packet[0] >> 4) == 6;
  return ethernet_frame(destination, source, v6 ? kEthertypeIpv6 : kEthertypeIpv4, packet);
}

Bytes arp_frame(const Mac& destination, const Mac& source, std::uint16_t operation,
                const Mac& sender_mac, const Address& sender_ip, const Mac& target_mac,
                const Address& target_ip) {
  Bytes a(kArpSize);
  put16(a, 0, 1);
  put16(a, 2, kEthertypeIpv4);
  a[4] = 6;
  a[5] = 4;
  put16(a, 6, operation);
  std::copy(sender_mac.bytes.begin(), sender_mac.bytes.end(), a.begin() + 8);
  std::memcpy(a.data() + 14, sender_ip.data(), 4);
  std::copy(target_mac.bytes.begin(), target_mac.bytes.end(), a.begin() + 18);
  std::memcpy(a.data() + 24, target_ip.data(), 4);
  return ethernet_frame(destination, source, kEthertypeArp, a);
}

namespace {

Bytes nd_packet(const Address& source, const Address& destination, std::uint8_t type,
                std::uint32_t flags, const Address& target, std::uint8_t option,
                std::optional<Mac> link, std::uint8_t hop_limit) {
  Bytes body(16);  // target, then the option
  std::memcpy(body.data(), target.data(), 16);
  if (link) {
    body.push_back(option);
    body.push_back(1);
    body.insert(body.end(), link->bytes.begin(), link->bytes.end());
  }
  IpOptions o;
  o.ttl = hop_limit;
  return icmp_packet(source, destination, type, 0, flags, body, o);
}

}  // namespace

Bytes neighbor_solicitation(const Address& source, const Address& destination,
                            const Address& target, std::optional<Mac> source_link,
                            std::uint8_t hop_limit) {
  return nd_packet(source, destination, 135, 0, target, 1, source_link, hop_limit);
}

Bytes neighbor_advertisement(const Address& source, const Address& destination,
                             const Address& target, std::uint32_t flags,
                             std::optional<Mac> target_link, std::uint8_t hop_limit) {
  return nd_packet(source, destination, 136, flags, target, 2, target_link, hop_limit);
}

Address solicited_node(const Address& target) {
  std::uint8_t group[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
  std::memcpy(group + 13, target.data() + 13, 3);
  return Address::ipv6(group);
}

Mac multicast_mac(const Address& group) {
  return Mac{{0x33, 0x33, group.bytes[12], group.bytes[13], group.bytes[14], group.bytes[15]}};
}

Bytes pattern(std::size_t length, std::uint8_t seed) {
  Bytes b(length);
  for (std::size_t i = 0; i < length; ++i)
    b[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return b;
}

Bytes random_bytes(std::mt19937& random, std::size_t length) {
  Bytes b(length);
  for (auto& x : b)
    x = static_cast<std::uint8_t>(random() >> 24);
  return b;
}

Bytes with_ttl(const Bytes& packet, std::uint8_t ttl) {
  Bytes b = packet;
  if (!b.empty() && (b[0] >> 4) == 6 && b.size() >= net::kIpv6HeaderSize) {
    b[7] = ttl;
  } else if (b.size() >= net::kIpv4HeaderSize) {
    const std::size_t header = static_cast<std::size_t>(b[0] & 0x0f) * 4;
    b[8] = ttl;
    net::store16(b.data() + 10, 0);
    net::store16(b.data() + 10, net::checksum(b.data(), header));
  }
  return b;
}

}  // namespace strait::testing
