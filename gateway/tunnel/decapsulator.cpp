#include "tunnel/decapsulator.hpp"

#include "esp/transform.hpp"
#include "net/headers.hpp"
#include "net/ip_check.hpp"
#include "tunnel/udp_encapsulation.hpp"

namespace strait::tunnel {

using namespace strait::net;

// Ethernet + outer IP header (with options, for IPv4) (+ UDP).
template <bool kUdp>
std::size_t Decapsulator::esp_offset_of(const io::Packet* p) const noexcept {
  const std::uint8_t* outer = p->data + kEthernetHeaderSize;
  return kEthernetHeaderSize +
         (outer_ipv6_ ? kIpv6HeaderSize : static_cast<std::size_t>(outer[0] & 0x0f) * 4) +
         (kUdp ? kUdpHeaderSize : 0);
}

// ESP in UDP that passed its ICV and replay check: if it is the newest
// packet of its SA so far (a late one from an older NAT mapping does not
// move the endpoint back), the peer's packets come from where it came from.
void Decapsulator::learn(const io::Packet* p, const std::uint8_t* esp_header, std::uint32_t route,
                         const esp::InboundSa& sa, std::uint64_t sequence) noexcept {
  if (sequence != sa.window().highest()) return;
  const std::uint8_t* ip = p->data + kEthernetHeaderSize;
  const net::Address source = outer_ipv6_ ? Address::ipv6(ip + 8) : Address::ipv4(ip + 12);
  sas_.learn_endpoint(route, source, load16(esp_header - kUdpHeaderSize));
}

template <bool kUdp>
void Decapsulator::run(io::Link& in, io::Link& out, io::Port& public_port,
                       state::PublicRouterCounters& router,
                       [[maybe_unused]] state::NatTraversalCounters* nat) noexcept {
  const std::uint8_t expected_next_header =
      inner_ipv6_ ? esp::kNextHeaderIpv6 : esp::kNextHeaderIpv4;
  // First the SPI lookups' hash-table slots are asked for, then every
  // packet's SA is found by SPI (independent lookups that overlap), then
  // the packets are worked through, loading the SA of a packet a
  // few places ahead while this one is decrypted.
  esp::InboundSa* sas[io::Link::kCapacity];
  [[maybe_unused]] std::uint32_t routes[io::Link::kCapacity];  // ESP in UDP: the SAs' routes
  const std::span<io::Packet*> packets = in.packets();
  for (const io::Packet* p : packets) {
    const std::size_t esp_offset = esp_offset_of<kUdp>(p);
    if (p->length >= esp_offset + 4) sas_.prefetch_inbound(load32(p->data + esp_offset));
  }
  for (std::size_t i = 0; i < packets.size(); ++i) {
    const io::Packet* p = packets[i];
    const std::size_t esp_offset = esp_offset_of<kUdp>(p);
    if constexpr (kUdp) {
      const SaDatabase::InboundMatch m = p->length >= esp_offset + 4
                                             ? sas_.inbound_match(load32(p->data + esp_offset))
                                             : SaDatabase::InboundMatch{nullptr, 0};
      sas[i] = m.sa;
      routes[i] = m.route;
    } else {
      sas[i] = p->length >= esp_offset + 4 ? sas_.inbound(load32(p->data + esp_offset)) : nullptr;
    }
  }
  for (std::size_t i = 0; i < packets.size(); ++i) {
    if (i + kPrefetchDistance < packets.size() && sas[i + kPrefetchDistance] != nullptr &&
        sas[i + kPrefetchDistance] != sas[i])
      sas[i + kPrefetchDistance]->prefetch();
    io::Packet* p = packets[i];
    esp::InboundSa* sa = sas[i];
    std::uint8_t* esp_header = p->data + esp_offset_of<kUdp>(p);
    const std::size_t esp_length = p->length - static_cast<std::size_t>(esp_header - p->data);
    if (sa == nullptr) [[unlikely]] {
      ++router.route_errors;
      public_port.release(p);
      continue;
    }
    std::uint32_t route = 0;
    if constexpr (kUdp) {
      route = routes[i];
      if (sas_.udp_port(route) == 0) [[unlikely]] {
        ++nat->encapsulation_errors;
        public_port.release(p);
        continue;
      }
    }
    const esp::Decrypted d = esp::decrypt(engine_, *sa, esp_header, esp_length);
    if (d.status != esp::DecryptStatus::kOk) [[unlikely]] {
      if constexpr (kUdp) {
        // The authenticated keepalive (tunnel/nat_keepalives.hpp): it
        // passed ICV and replay check; esp::decrypt stops at its next
        // header 59 and counts a protocol error, which it is not here.
        if (d.status == esp::DecryptStatus::kBadNextHeader && d.next_header == kNextHeaderDummy) {
          --sa->counters.protocol_errors;
          ++nat->esp_keepalives_received;
          learn(p, esp_header, route, *sa, d.sequence);
        }
      }
      public_port.release(p);  // counted on the SA by esp::decrypt
      continue;
    }
    if constexpr (kUdp) learn(p, esp_header, route, *sa, d.sequence);
    std::uint8_t* inner = esp_header + esp::kHeaderSize;
    // The inner packet must be of the configured family and well formed;
    // its stated length trims TFC padding.
    const IpInfo info = check_ip(inner_ipv6_, inner, d.inner_length);
    if (d.next_header != expected_next_header || info.result == IpCheck::kTruncated ||
        info.result == IpCheck::kMalformed || info.result == IpCheck::kBadChecksum) [[unlikely]] {
      ++sa->counters.protocol_errors;
      public_port.release(p);
      continue;
    }
    p->data = inner - kEthernetHeaderSize;
    p->length = static_cast<std::uint32_t>(kEthernetHeaderSize + info.length);
    out.push(p);
  }
  in.clear();
}

template void Decapsulator::run<false>(io::Link&, io::Link&, io::Port&,
                                       state::PublicRouterCounters&,
                                       state::NatTraversalCounters*) noexcept;
template void Decapsulator::run<true>(io::Link&, io::Link&, io::Port&, state::PublicRouterCounters&,
                                      state::NatTraversalCounters*) noexcept;

}  // namespace strait::tunnel
