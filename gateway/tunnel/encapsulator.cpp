#include "tunnel/encapsulator.hpp"

#include <bit>
#include <cstring>

#include "esp/transform.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "tunnel/udp_encapsulation.hpp"

namespace strait::tunnel {

using namespace strait::net;

// The outer IPv4 header is put together as little-endian words (below).
static_assert(std::endian::native == std::endian::little);

void Encapsulator::process(io::Link& in, io::Link& out, io::Port& public_port) noexcept {
  const std::size_t outer_size = ipv6_ ? kIpv6HeaderSize : kIpv4HeaderSize;
  const std::uint8_t next_header = next_header_;
  const std::span<io::Packet*> packets = in.packets();
  for (std::size_t i = 0; i < packets.size(); ++i) {
    io::Packet* p = packets[i];
    // Start loading the SA of a packet a few places ahead: with many routes
    // their keys are not in cache, and the loads overlap this packet's work.
    if (i + kPrefetchDistance < packets.size() && packets[i + kPrefetchDistance]->route != p->route)
      sas_.outbound(packets[i + kPrefetchDistance]->route)->prefetch();
    std::uint8_t* inner = p->data + kEthernetHeaderSize;
    const std::size_t inner_length = p->length - kEthernetHeaderSize;
    // ESP in UDP (NAT traversal): 8 more bytes in front, 8 less for TFC.
    const std::size_t extra = sas_.extra_overhead(p->route);
    const std::size_t tfc_target = settings_.mtu > extra ? settings_.mtu - extra : 0;
    const std::size_t padded =
        settings_.tfc && inner_length < tfc_target ? tfc_target : inner_length;
    // Room: Ethernet + outer IP (+ UDP) + ESP header in front of the inner
    // packet, TFC padding and the ESP trailer behind it.
    if (p->headroom() < outer_size + extra + esp::kHeaderSize ||
        static_cast<std::size_t>(p->end - inner) < padded + esp::kTrailerMax) [[unlikely]] {
      ++public_port.counters().txerrors;
      public_port.release(p);
      continue;
    }
    esp::OutboundSa* sa = sas_.outbound(p->route);
    // A static SA at the end of what its sequence file reserved stops
    // rather than risk a nonce used before a restart.
    if (sa->exhausted()) [[unlikely]] {
      ++sequence_exhausted_;
      public_port.release(p);
      continue;
    }
    std::uint8_t* esp_header = inner - esp::kHeaderSize;
    const std::size_t esp_length = esp::encrypt(engine_, *sa, esp_header, inner_length, next_header,
                                                settings_.tfc ? padded : 0);
    const Address& gateway = sas_.gateway(p->route);
    if (extra != 0) [[unlikely]] {
      std::uint8_t* ip = write_udp_outer(esp_header, esp_length, settings_.public_ip, gateway,
                                         settings_.udp_port, sas_.udp_port(p->route));
      p->data = ip - kEthernetHeaderSize;
      p->length = static_cast<std::uint32_t>(kEthernetHeaderSize + outer_size + extra + esp_length);
      out.push(p);
      continue;
    }
    std::uint8_t* outer = esp_header - outer_size;
    if (!ipv6_) {
      // Worked out in registers and stored as three words: built in a
      // buffer field by field and then copied (or summed for the
      // checksum), the header's bytes would be read back before their
      // stores could be forwarded, a stall of half the encapsulator's time.
      // The checksum is summed in memory byte order (RFC 1071 2.B: one's
      // complement sums do not care) and stored as it comes out.
      std::uint32_t source, destination;
      std::memcpy(&source, settings_.public_ip.data(), 4);
      std::memcpy(&destination, gateway.data(), 4);
      const auto total = static_cast<std::uint16_t>(kIpv4HeaderSize + esp_length);
      const std::uint32_t length_word = __builtin_bswap16(total);  // bytes 2-3 as stored
      constexpr std::uint32_t kVersionWord = 0x0045;               // bytes 0-1: 45 00
      constexpr std::uint32_t kTtlWord = kProtocolEsp << 8 | 64;   // bytes 8-9: ttl, protocol
      std::uint32_t sum = kVersionWord + length_word + kTtlWord + (source & 0xffff) +
                          (source >> 16) + (destination & 0xffff) + (destination >> 16);
      sum = (sum & 0xffff) + (sum >> 16);
      sum = (sum & 0xffff) + (sum >> 16);
      const std::uint64_t first = kVersionWord | std::uint64_t{length_word} << 16;  // id, flags 0
      const std::uint64_t second =
          kTtlWord | std::uint64_t{~sum & 0xffff} << 16 | std::uint64_t{source} << 32;
      std::memcpy(outer, &first, 8);
      std::memcpy(outer + 8, &second, 8);
      std::memcpy(outer + 16, &destination, 4);
    } else {
      auto* h = reinterpret_cast<Ipv6Header*>(outer);
      store32(h->version_class_flow, 0x60000000u);
      store16(h->payload_length, static_cast<std::uint16_t>(esp_length));
      h->next_header = kProtocolEsp;
      h->hop_limit = 64;
      std::memcpy(h->source, settings_.public_ip.data(), 16);
      std::memcpy(h->destination, gateway.data(), 16);
    }
    p->data = outer - kEthernetHeaderSize;
    p->length = static_cast<std::uint32_t>(kEthernetHeaderSize + outer_size + esp_length);
    out.push(p);
  }
  in.clear();
}

}  // namespace strait::tunnel
