#include "flood/forged_frames.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include "exchange/messages.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::flood {

using namespace strait::net;

namespace {

// The vita-ske wire format, as the gateway's own exchange/ defines it.
constexpr std::uint8_t kKnock = static_cast<std::uint8_t>(exchange::MessageType::kKnock);
constexpr std::uint8_t kProposal = static_cast<std::uint8_t>(exchange::MessageType::kProposal);
constexpr std::uint32_t kVersion = exchange::kProtocolVersion;
constexpr std::size_t kSkeHeader = exchange::kHeaderSize;
constexpr std::size_t kKnockBody = exchange::kKnockSize;
constexpr std::size_t kProposalBody = exchange::kProposalSize;
constexpr std::size_t kEspHeader = 8;  // SPI, sequence number
// IV (8) + at least 4 bytes of ciphertext (padding length, next header and
// alignment) + ICV (16), a multiple of 4: the smallest body that reaches
// the ICV check.
constexpr std::size_t kMinEspBody = 28;
constexpr std::size_t kMaxEspBody = 1024;
constexpr std::uint64_t kReplayedSequences = 1024;

struct KindName {
  Kind kind;
  std::string_view name;
};
constexpr std::array<KindName, 7> kNames = {{
    {Kind::kSkeKnockStrangers, "ske-knock-strangers"},
    {Kind::kSkeProposalStrangers, "ske-proposal-strangers"},
    {Kind::kSkeKnockPeer, "ske-knock-peer"},
    {Kind::kSkeProposalPeer, "ske-proposal-peer"},
    {Kind::kEspRandomSpi, "esp-random-spi"},
    {Kind::kEspBadIcv, "esp-bad-icv"},
    {Kind::kEspReplay, "esp-replay"},
}};

bool is_proposal(Kind kind) {
  return kind == Kind::kSkeProposalStrangers || kind == Kind::kSkeProposalPeer;
}

// Fixed filler for the parts of a body no frame varies.
void fill_pattern(std::uint8_t* out, std::size_t length, std::uint8_t seed) {
  for (std::size_t i = 0; i < length; ++i)
    out[i] = static_cast<std::uint8_t>(seed + 37 * i);
}

}  // namespace

std::string_view kind_name(Kind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "?";
}

std::optional<Kind> parse_kind(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

bool is_key_exchange(Kind kind) {
  return kind == Kind::kSkeKnockStrangers || kind == Kind::kSkeProposalStrangers ||
         kind == Kind::kSkeKnockPeer || kind == Kind::kSkeProposalPeer;
}

std::optional<std::string_view> check_target(const Target& target, std::span<const Kind> kinds) {
  if (target.gateway.family != target.peer.family)
    return "the gateway's and the peer's addresses are of different families";
  if (target.esp_body < kMinEspBody || target.esp_body > kMaxEspBody || target.esp_body % 4 != 0)
    return "the ESP body must be a multiple of 4 from 28 to 1024 bytes";
  for (const Kind kind : kinds) {
    if (is_key_exchange(kind) && target.route_spi == 0)
      return "the ske-* kinds need the route SPI (--route-spi)";
    if ((kind == Kind::kEspBadIcv || kind == Kind::kEspReplay) && target.spi == 0)
      return "esp-bad-icv and esp-replay need the live inbound SPI (--spi)";
  }
  return std::nullopt;
}

ForgedFrames::ForgedFrames(const Target& target, Kind kind)
    : kind_(kind),
      ipv6_(target.gateway.family == Family::kIpv6),
      spi_(target.spi),
      sequence_(target.sequence),
      exclude_spis_(target.exclude_spis),
      peer_(target.peer),
      gateway_(target.gateway) {
  const bool ske = is_key_exchange(kind);
  const std::size_t ip_header = ipv6_ ? kIpv6HeaderSize : kIpv4HeaderSize;
  const std::size_t l4_length =
      ske ? kUdpHeaderSize + kSkeHeader + (is_proposal(kind) ? kProposalBody : kKnockBody)
          : kEspHeader + target.esp_body;
  template_.assign(kEthernetHeaderSize + ip_header + l4_length, 0);
  std::uint8_t* f = template_.data();
  std::memcpy(f, target.destination_mac.bytes.data(), 6);
  std::memcpy(f + 6, target.source_mac.bytes.data(), 6);
  store16(f + 12, ipv6_ ? kEthertypeIpv6 : kEthertypeIpv4);
  std::uint8_t* ip = f + kEthernetHeaderSize;
  const std::uint8_t protocol = ske ? kProtocolUdp : kProtocolEsp;
  if (ipv6_) {
    auto* h = reinterpret_cast<Ipv6Header*>(ip);
    store32(h->version_class_flow, 0x60000000u);
    store16(h->payload_length, static_cast<std::uint16_t>(l4_length));
    h->next_header = protocol;
    h->hop_limit = 64;
    std::memcpy(h->source, target.peer.data(), 16);
    std::memcpy(h->destination, target.gateway.data(), 16);
  } else {
    auto* h = reinterpret_cast<Ipv4Header*>(ip);
    h->version_ihl = 0x45;
    store16(h->total_length, static_cast<std::uint16_t>(kIpv4HeaderSize + l4_length));
    store16(h->flags_fragment, kIpv4DontFragment);
    h->ttl = 64;
    h->protocol = protocol;
    std::memcpy(h->source, target.peer.data(), 4);
    std::memcpy(h->destination, target.gateway.data(), 4);
  }
  ip_offset_ = kEthernetHeaderSize;
  l4_offset_ = kEthernetHeaderSize + ip_header;
  std::uint8_t* l4 = f + l4_offset_;
  if (ske) {
    store16(l4, target.protocol_port);
    store16(l4 + 2, target.protocol_port);
    store16(l4 + 4, static_cast<std::uint16_t>(l4_length));
    std::uint8_t* message = l4 + kUdpHeaderSize;
    store32(message, target.route_spi);
    message[4] = is_proposal(kind) ? kProposal : kKnock;
    if (is_proposal(kind))
      fill_pattern(message + kSkeHeader, kProposalBody, 0x5a);
    else
      store32(message + kSkeHeader, kVersion);
  } else {
    store32(l4, spi_);
    fill_pattern(l4 + kEspHeader, target.esp_body, 0xa5);
  }
  fix_checksums(f);
}

void ForgedFrames::fix_checksums(std::uint8_t* frame) const noexcept {
  std::uint8_t* ip = frame + ip_offset_;
  if (!ipv6_) {
    store16(ip + 10, 0);
    store16(ip + 10, ipv4_header_checksum(ip));
  }
  if (!is_key_exchange(kind_)) return;
  std::uint8_t* udp = frame + l4_offset_;
  const auto length = static_cast<std::uint16_t>(template_.size() - l4_offset_);
  const std::uint32_t pseudo = ipv6_ ? pseudo_header_ipv6(ip + 8, ip + 24, kProtocolUdp, length)
                                     : pseudo_header_ipv4(ip + 12, ip + 16, kProtocolUdp, length);
  store16(udp + 6, 0);
  std::uint16_t sum = checksum_finish(checksum_partial(udp, length, pseudo));
  if (sum == 0) sum = 0xffff;  // 0 would mean "no checksum" (RFC 768)
  store16(udp + 6, sum);
}

std::size_t ForgedFrames::write(
    std::uint8_t* out, std::uint64_t index,
    std::span<const std::uint8_t, kRandomPerFrame> random) const noexcept {
  std::memcpy(out, template_.data(), template_.size());
  std::uint8_t* ip = out + ip_offset_;
  std::uint8_t* l4 = out + l4_offset_;
  if (!ipv6_) store16(ip + 4, static_cast<std::uint16_t>(index));  // identification
  switch (kind_) {
    case Kind::kSkeKnockStrangers:
    case Kind::kSkeProposalStrangers: {
      // A random source address (never the peer's nor the gateway's) and
      // port.
      std::uint8_t* source = ip + (ipv6_ ? 8 : 12);
      const std::size_t size = ipv6_ ? 16 : 4;
      std::memcpy(source, random.data(), size);
      if (ipv6_) source[0] = static_cast<std::uint8_t>(0x20 | (source[0] & 0x0f));
      if (std::memcmp(source, peer_.data(), size) == 0 ||
          std::memcmp(source, gateway_.data(), size) == 0)
        source[size - 1] ^= 1;
      std::memcpy(l4, random.data() + 16, 2);
      break;
    }
    case Kind::kEspRandomSpi: {
      std::uint32_t spi = load32(random.data() + 24);
      // SPIs 0 to 255 are reserved (RFC 4303); listed ones are live.
      while (spi < 256 || std::ranges::find(exclude_spis_, spi) != exclude_spis_.end())
        spi = spi * 2654435761u + 12345u;
      store32(l4, spi);
      store32(l4 + 4, static_cast<std::uint32_t>(index + 1));
      break;
    }
    case Kind::kEspBadIcv:
      store32(l4 + 4, static_cast<std::uint32_t>(sequence_ + index));
      break;
    case Kind::kEspReplay:
      store32(l4 + 4, static_cast<std::uint32_t>(1 + index % kReplayedSequences));
      break;
    default:
      break;
  }
  if (is_proposal(kind_))  // a fresh "ephemeral key" each time
    std::memcpy(l4 + kUdpHeaderSize + kSkeHeader, random.data(), kRandomPerFrame);
  if (!is_key_exchange(kind_)) {
    // A fresh IV and ICV: no two forged packets alike.
    std::uint8_t* body = l4 + kEspHeader;
    const std::size_t body_length = template_.size() - l4_offset_ - kEspHeader;
    std::memcpy(body, random.data(), 8);
    std::memcpy(body + body_length - 16, random.data() + 8, 16);
  }
  fix_checksums(out);
  return template_.size();
}

}  // namespace strait::flood
