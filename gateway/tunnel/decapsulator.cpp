#include "tunnel/decapsulator.hpp"

#include "esp/transform.hpp"
#include "net/headers.hpp"
#include "net/ip_check.hpp"

namespace strait::tunnel {

using namespace strait::net;

void Decapsulator::process(io::Link& in, io::Link& out, io::Port& public_port,
                           state::PublicRouterCounters& router) noexcept {
  const std::uint8_t expected_next_header = ipv6_ ? esp::kNextHeaderIpv6 : esp::kNextHeaderIpv4;
  for (io::Packet* p : in.packets()) {
    std::uint8_t* outer = p->data + kEthernetHeaderSize;
    const std::size_t outer_header =
        ipv6_ ? kIpv6HeaderSize : static_cast<std::size_t>(outer[0] & 0x0f) * 4;
    std::uint8_t* esp_header = outer + outer_header;
    const std::size_t esp_length = p->length - kEthernetHeaderSize - outer_header;
    esp::InboundSa* sa = esp_length >= 4 ? sas_.inbound(load32(esp_header)) : nullptr;
    if (sa == nullptr) [[unlikely]] {
      ++router.route_errors;
      public_port.release(p);
      continue;
    }
    const esp::Decrypted d = esp::decrypt(engine_, *sa, esp_header, esp_length);
    if (d.status != esp::DecryptStatus::kOk) [[unlikely]] {
      public_port.release(p);  // counted on the SA by esp::decrypt
      continue;
    }
    std::uint8_t* inner = esp_header + esp::kHeaderSize;
    // The inner packet must be of the configured family and well formed;
    // its stated length trims TFC padding.
    const IpInfo info = check_ip(ipv6_, inner, d.inner_length);
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

}  // namespace strait::tunnel
