#include "tunnel/nat_keepalives.hpp"

#include "esp/transform.hpp"
#include "net/headers.hpp"
#include "tunnel/udp_encapsulation.hpp"

namespace strait::tunnel {

void NatKeepalives::run(base::Nanoseconds now, esp::Engine& engine, const SaDatabase& sas,
                        const net::Address& source, io::Port& port, io::Link& out,
                        state::NatTraversalCounters& counters) noexcept {
  if (now < next_due_) return;
  std::size_t sent = 0;
  const std::size_t ip_header =
      source.family == net::Family::kIpv6 ? net::kIpv6HeaderSize : net::kIpv4HeaderSize;
  for (; cursor_ < sas.route_count(); ++cursor_) {
    const std::uint16_t peer_port = sas.udp_port(cursor_);
    if (peer_port == 0) continue;
    if (sent + 2 > kPerRun || out.size() + 2 > io::Link::kCapacity) return;  // the rest next run
    io::Packet* p = port.allocate();
    if (p == nullptr) return;
    std::uint8_t* payload = p->data + net::kEthernetHeaderSize + ip_header + net::kUdpHeaderSize;
    *payload = kNatKeepalive;
    write_udp_outer(payload, 1, source, sas.gateway(cursor_), local_port_, peer_port);
    p->length =
        static_cast<std::uint32_t>(net::kEthernetHeaderSize + ip_header + net::kUdpHeaderSize + 1);
    out.push(p);
    ++counters.keepalives_sent;
    ++sent;
    esp::OutboundSa* sa = sas.outbound(cursor_);
    if (sa == nullptr || sa->exhausted()) continue;
    io::Packet* dummy = port.allocate();
    if (dummy == nullptr) continue;
    std::uint8_t* esp = dummy->data + net::kEthernetHeaderSize + ip_header + net::kUdpHeaderSize;
    const std::size_t esp_length = esp::encrypt(engine, *sa, esp, 0, kNextHeaderDummy, 0);
    write_udp_outer(esp, esp_length, source, sas.gateway(cursor_), local_port_, peer_port);
    dummy->length = static_cast<std::uint32_t>(net::kEthernetHeaderSize + ip_header +
                                               net::kUdpHeaderSize + esp_length);
    out.push(dummy);
    ++counters.esp_keepalives_sent;
    ++sent;
  }
  cursor_ = 0;
  next_due_ = now + interval_;
}

}  // namespace strait::tunnel
