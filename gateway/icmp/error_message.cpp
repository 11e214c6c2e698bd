#include "icmp/error_message.hpp"

#include <algorithm>
#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::icmp {

using namespace strait::net;

namespace {

bool is_icmp_error4(const std::uint8_t* ip, std::size_t length) noexcept {
  const auto* h = reinterpret_cast<const Ipv4Header*>(ip);
  if (h->protocol != kProtocolIcmp) return false;
  const std::size_t header_length = static_cast<std::size_t>(h->version_ihl & 0x0f) * 4;
  if ((load16(h->flags_fragment) & kIpv4OffsetMask) != 0) return false;  // not the first fragment
  if (length <= header_length) return true;
  const std::uint8_t type = ip[header_length];
  return !(type == 0 || type == 8 || type == 13 || type == 14);  // only queries may be answered
}

bool is_icmp_error6(const std::uint8_t* ip, std::size_t length) noexcept {
  const auto* h = reinterpret_cast<const Ipv6Header*>(ip);
  if (h->next_header != kProtocolIcmp6) return false;
  if (length <= kIpv6HeaderSize) return true;
  return ip[kIpv6HeaderSize] < 128;  // types below 128 are errors
}

// Bytes the IP packet of an error may take in `out`: from the end of the
// Ethernet header at out->data to the end of the frame.
std::size_t ip_room(const io::Packet* out) noexcept {
  const std::uint8_t* ip = out->data + kEthernetHeaderSize;
  return out->end > ip ? static_cast<std::size_t>(out->end - ip) : 0;
}

// How much of an offender of `length` bytes (IP header of header_length
// bytes) an error with `overhead` bytes of headers quotes: at most `limit`
// and what `room` leaves; 0 when not even the header and 8 bytes fit.
std::size_t quote_length(std::size_t length, std::size_t header_length, std::size_t limit,
                         std::size_t overhead, std::size_t room) noexcept {
  const std::size_t minimum = std::min(length, header_length + 8);
  if (room < overhead + minimum) return 0;
  return std::min({length, limit, room - overhead});
}

}  // namespace

WriteResult write_error(io::Packet* out, Family family, const std::uint8_t* offender,
                        std::size_t offender_length, ErrorType error, std::uint32_t rest,
                        const Address& source) noexcept {
  std::uint8_t* ip = out->data + kEthernetHeaderSize;
  if (family == Family::kIpv4) {
    const auto* o = reinterpret_cast<const Ipv4Header*>(offender);
    if (is_icmp_error4(offender, offender_length)) return WriteResult::kNotAnswered;
    if (o->source[0] == 0 || o->source[0] >= 224)
      return WriteResult::kNotAnswered;  // unspecified, multicast
    // RFC 1812 4.3.2.7: never about a non-initial fragment, nor about a
    // packet sent to a multicast or broadcast address.
    if ((load16(o->flags_fragment) & kIpv4OffsetMask) != 0 || o->destination[0] >= 224)
      return WriteResult::kNotAnswered;
    constexpr std::size_t kOverhead = kIpv4HeaderSize + sizeof(IcmpHeader);
    const std::size_t quote =
        quote_length(offender_length, static_cast<std::size_t>(o->version_ihl & 0x0f) * 4,
                     576 - kOverhead, kOverhead, ip_room(out));
    if (quote == 0) return WriteResult::kNoRoom;
    const std::size_t total = kIpv4HeaderSize + sizeof(IcmpHeader) + quote;
    auto* h = reinterpret_cast<Ipv4Header*>(ip);
    h->version_ihl = 0x45;
    h->tos = 0;
    store16(h->total_length, static_cast<std::uint16_t>(total));
    store16(h->identification, 0);
    store16(h->flags_fragment, 0);
    h->ttl = 64;
    h->protocol = kProtocolIcmp;
    store16(h->checksum, 0);
    std::memcpy(h->source, source.data(), 4);
    std::memcpy(h->destination, o->source, 4);
    store16(h->checksum, checksum(ip, kIpv4HeaderSize));
    auto* icmp = reinterpret_cast<IcmpHeader*>(ip + kIpv4HeaderSize);
    icmp->type = error.type;
    icmp->code = error.code;
    store16(icmp->checksum, 0);
    store32(icmp->rest, rest);
    std::memcpy(ip + kIpv4HeaderSize + sizeof(IcmpHeader), offender, quote);
    store16(icmp->checksum, checksum(ip + kIpv4HeaderSize, sizeof(IcmpHeader) + quote));
    out->length = static_cast<std::uint32_t>(kEthernetHeaderSize + total);
    return WriteResult::kWritten;
  }
  const auto* o = reinterpret_cast<const Ipv6Header*>(offender);
  if (is_icmp_error6(offender, offender_length)) return WriteResult::kNotAnswered;
  static constexpr std::uint8_t kUnspecified[16] = {};
  if (o->source[0] == 0xff || std::memcmp(o->source, kUnspecified, 16) == 0)
    return WriteResult::kNotAnswered;
  // RFC 4443 2.4 (e): about a packet sent to a multicast address, only
  // Packet Too Big.
  if (o->destination[0] == 0xff && error.type != kPacketTooBig6.type)
    return WriteResult::kNotAnswered;
  constexpr std::size_t kOverhead = kIpv6HeaderSize + sizeof(IcmpHeader);
  const std::size_t quote =
      quote_length(offender_length, kIpv6HeaderSize, 1280 - kOverhead, kOverhead, ip_room(out));
  if (quote == 0) return WriteResult::kNoRoom;
  const std::size_t payload = sizeof(IcmpHeader) + quote;
  auto* h = reinterpret_cast<Ipv6Header*>(ip);
  store32(h->version_class_flow, 0x60000000u);
  store16(h->payload_length, static_cast<std::uint16_t>(payload));
  h->next_header = kProtocolIcmp6;
  h->hop_limit = 64;
  std::memcpy(h->source, source.data(), 16);
  std::memcpy(h->destination, o->source, 16);
  auto* icmp = reinterpret_cast<IcmpHeader*>(ip + kIpv6HeaderSize);
  icmp->type = error.type;
  icmp->code = error.code;
  store16(icmp->checksum, 0);
  store32(icmp->rest, rest);
  std::memcpy(ip + kIpv6HeaderSize + sizeof(IcmpHeader), offender, quote);
  const std::uint32_t pseudo = pseudo_header_ipv6(h->source, h->destination, kProtocolIcmp6,
                                                  static_cast<std::uint32_t>(payload));
  store16(icmp->checksum, checksum_finish(checksum_partial(ip + kIpv6HeaderSize, payload, pseudo)));
  out->length = static_cast<std::uint32_t>(kEthernetHeaderSize + kIpv6HeaderSize + payload);
  return WriteResult::kWritten;
}

}  // namespace strait::icmp
