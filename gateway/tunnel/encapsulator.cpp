#include "tunnel/encapsulator.hpp"

#include <cstring>

#include "esp/transform.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::tunnel {

using namespace strait::net;

void Encapsulator::process(io::Link& in, io::Link& out, io::Port& public_port) noexcept {
  const std::size_t outer_size = ipv6_ ? kIpv6HeaderSize : kIpv4HeaderSize;
  const std::uint8_t next_header = ipv6_ ? esp::kNextHeaderIpv6 : esp::kNextHeaderIpv4;
  const std::span<io::Packet*> packets = in.packets();
  for (std::size_t i = 0; i < packets.size(); ++i) {
    io::Packet* p = packets[i];
    // Start loading the SA of a packet a few places ahead: with many routes
    // their keys are not in cache, and the loads overlap this packet's work.
    if (i + kPrefetchDistance < packets.size() && packets[i + kPrefetchDistance]->route != p->route)
      sas_.outbound(packets[i + kPrefetchDistance]->route)->prefetch();
    std::uint8_t* inner = p->data + kEthernetHeaderSize;
    const std::size_t inner_length = p->length - kEthernetHeaderSize;
    const std::size_t padded =
        settings_.tfc && inner_length < settings_.mtu ? settings_.mtu : inner_length;
    // Room: Ethernet + outer IP + ESP header in front of the inner packet,
    // TFC padding and the ESP trailer behind it.
    if (p->headroom() < outer_size + esp::kHeaderSize ||
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
    std::uint8_t* outer = esp_header - outer_size;
    const Address& gateway = sas_.gateway(p->route);
    if (!ipv6_) {
      // Built in registers and stored once: writing the fields one by one
      // and then reading them back for the checksum stalls store
      // forwarding.
      std::uint8_t h[kIpv4HeaderSize] = {0x45, 0, 0, 0, 0, 0, 0, 0, 64, kProtocolEsp};
      store16(h + 2, static_cast<std::uint16_t>(kIpv4HeaderSize + esp_length));
      std::memcpy(h + 12, settings_.public_ip.data(), 4);
      std::memcpy(h + 16, gateway.data(), 4);
      store16(h + 10, ipv4_header_checksum(h));
      std::memcpy(outer, h, kIpv4HeaderSize);
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
