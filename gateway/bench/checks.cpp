#include "bench/checks.hpp"

#include <cstdio>
#include <cstring>

#include "esp/transform.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::bench {

using namespace strait::net;

namespace {

// The 34 bytes of outer headers against their template, as words (inline:
// a call to memcmp costs more than the comparison).
inline bool same_head(const std::uint8_t* a, const std::uint8_t* b) noexcept {
  const auto word = [](const std::uint8_t* at) {
    std::uint64_t w;
    std::memcpy(&w, at, 8);
    return w;
  };
  std::uint16_t a_tail, b_tail;
  std::memcpy(&a_tail, a + 32, 2);
  std::memcpy(&b_tail, b + 32, 2);
  return ((word(a) ^ word(b)) | (word(a + 8) ^ word(b + 8)) | (word(a + 16) ^ word(b + 16)) |
          (word(a + 24) ^ word(b + 24)) | static_cast<std::uint64_t>(a_tail ^ b_tail)) == 0;
}

}  // namespace

EspCheck::EspCheck(const Addresses& addresses, const TrafficPlan& plan) : plan_(plan) {
  for (std::size_t s = 0; s < plan.size_count(); ++s) {
    // The ESP payload of an inner packet of `inner` bytes (esp::encrypt):
    // header, the packet padded to a multiple of 4 with its 2 trailer
    // bytes, the ICV.
    const std::size_t inner = plan.size(s) - kEthernetHeaderSize;
    const std::size_t esp = esp::kHeaderSize + ((inner + 2 + 3) & ~std::size_t{3}) + esp::kIcvSize;
    std::array<std::uint8_t, kOuter> h{};
    std::memcpy(h.data(), addresses.public_mac, 6);  // looped back: to itself
    std::memcpy(h.data() + 6, addresses.public_mac, 6);
    store16(h.data() + 12, kEthertypeIpv4);
    std::uint8_t* ip = h.data() + kEthernetHeaderSize;
    ip[0] = 0x45;
    store16(ip + 2, static_cast<std::uint16_t>(kIpv4HeaderSize + esp));
    ip[8] = 64;
    ip[9] = kProtocolEsp;
    std::memcpy(ip + 12, addresses.public_ip, 4);
    std::memcpy(ip + 16, addresses.public_ip, 4);  // every route's gateway
    store16(ip + 10, ipv4_header_checksum(ip));
    heads_.push_back(h);
    lengths_.push_back(static_cast<std::uint32_t>(kOuter + esp));
  }
}

void EspCheck::use_negotiated_sas(const tunnel::SaDatabase* sas) {
  sas_ = sas;
  last_spi_.assign(plan_.route_count(), 0);
}

bool EspCheck::check(const io::Packet* p) noexcept {
  const std::uint8_t* esp = p->data + kOuter;
  const std::uint32_t k = cursor_.route_index;
  if (p->length == lengths_[cursor_.size_index] &&
      same_head(p->data, heads_[cursor_.size_index].data())) [[likely]] {
    const std::uint32_t spi = load32(esp);
    if (sas_ == nullptr) {
      const std::uint64_t sequence = cursor_.lap + 1;
      std::uint64_t iv;
      std::memcpy(&iv, esp + 8, 8);  // little-endian on the wire; x86
      if (spi == kFirstSpi + plan_.route(k) &&
          load32(esp + 4) == static_cast<std::uint32_t>(sequence) && iv == sequence) [[likely]]
        return true;
    } else {
      const esp::OutboundSa* current = sas_->outbound(k);
      if (spi == last_spi_[k] || (current != nullptr && spi == current->spi())) {
        last_spi_[k] = spi;
        return true;
      }
    }
  }
  // Say what is wrong.
  const std::string which = "packet " + std::to_string(cursor_.serial) + " (route r" +
                            std::to_string(plan_.route(k)) + ", " +
                            std::to_string(plan_.size(cursor_.size_index)) + "-byte frame)";
  if (p->length != lengths_[cursor_.size_index]) {
    failure_ = which + " left the gateway's public port " + std::to_string(p->length) +
               " bytes long, expected " + std::to_string(lengths_[cursor_.size_index]) +
               " (or another packet came in its place)";
    return false;
  }
  for (std::size_t i = 0; i < kOuter; ++i)
    if (p->data[i] != heads_[cursor_.size_index][i]) {
      char text[96];
      std::snprintf(text, sizeof text, ": byte %zu of its outer headers is 0x%02x, expected 0x%02x",
                    i, p->data[i], heads_[cursor_.size_index][i]);
      failure_ = which + " left the gateway's public port altered" + text;
      return false;
    }
  const std::uint32_t spi = load32(esp);
  if (sas_ != nullptr) {
    const esp::OutboundSa* current = sas_->outbound(k);
    failure_ = which + " left under SPI " + std::to_string(spi) + ", not its route's (" +
               (current != nullptr ? std::to_string(current->spi()) : std::string("none")) +
               "): the wrong SA";
  } else if (spi != kFirstSpi + plan_.route(k)) {
    failure_ = which + " left under SPI " + std::to_string(spi) + ", not its route's SA (SPI " +
               std::to_string(kFirstSpi + plan_.route(k)) + "): the wrong SA";
  } else {
    std::uint64_t iv;
    std::memcpy(&iv, esp + 8, 8);
    failure_ = which + " left with ESP sequence number " + std::to_string(load32(esp + 4)) +
               " and IV " + std::to_string(iv) + ", expected " + std::to_string(cursor_.lap + 1) +
               " (its SA sent another packet, or it is not the packet due)";
  }
  return false;
}

std::size_t EspCheck::inspect(std::span<io::Packet* const> packets) noexcept {
  for (io::Packet* p : packets) {
    if (failed()) return kKeepAll;
    // Negotiated SAs: the key exchange's datagrams share the wire.
    if (sas_ != nullptr && p->length > kOuter && p->data[kEthernetHeaderSize + 9] != kProtocolEsp)
      continue;
    if (!check(p)) {
      failed_.store(true, std::memory_order_release);
      return kKeepAll;
    }
    if (cursor_.serial == corrupt_) [[unlikely]]
      p->data[kOuter + esp::kHeaderSize] ^= 0x01;
    cursor_.advance(plan_);
  }
  return kKeepAll;
}

std::size_t PrivateFault::inspect(std::span<io::Packet* const> packets) noexcept {
  std::size_t drop = kKeepAll;
  for (std::size_t i = 0; i < packets.size(); ++i, ++seen_) {
    if (seen_ != target_) continue;
    io::Packet* p = packets[i];
    std::uint8_t* ip = p->data + kEthernetHeaderSize;
    switch (kind_) {
      case Kind::kCorruptPayload:
        p->data[p->length - 1] ^= 0x01;
        break;
      case Kind::kRewriteDestination:
        ip[18] ^= 0x01;  // the neighbouring route's /24
        store16(ip + 10, 0);
        store16(ip + 10, ipv4_header_checksum(ip));
        break;
      case Kind::kDrop:
        drop = i;
        break;
    }
  }
  return drop;
}

}  // namespace strait::bench
