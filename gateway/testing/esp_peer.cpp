#include "testing/esp_peer.hpp"

#include <intel-ipsec-mb.h>

#include <cstring>
#include <stdexcept>

#include "net/headers.hpp"
#include "testing/frame_view.hpp"

namespace strait::testing {

namespace {

std::unique_ptr<esp::Engine> make_engine() {
  auto engine = esp::Engine::create();
  if (!engine) throw std::runtime_error("esp engine: " + engine.error().message);
  return std::move(engine).value();
}

std::uint8_t next_header_of(const Bytes& inner) {
  return !inner.empty() && (inner[0] >> 4) == 6 ? esp::kNextHeaderIpv6 : esp::kNextHeaderIpv4;
}

Bytes seal_with(esp::Engine& engine, esp::OutboundSa& sa, const Bytes& inner,
                std::uint8_t next_header, std::size_t tfc_length) {
  Bytes buffer(esp::kHeaderSize + std::max(inner.size(), tfc_length) + esp::kTrailerMax);
  std::copy(inner.begin(), inner.end(), buffer.begin() + esp::kHeaderSize);
  const std::size_t length =
      esp::encrypt(engine, sa, buffer.data(), inner.size(), next_header, tfc_length);
  buffer.resize(length);
  return buffer;
}

}  // namespace

EspPeer::EspPeer(const esp::SaParameters& send, const esp::SaParameters& receive)
    : engine_(make_engine()),
      send_(send),
      sender_(std::make_unique<esp::OutboundSa>(*engine_, send)),
      receiver_(std::make_unique<esp::InboundSa>(*engine_, receive)) {}

EspPeer::~EspPeer() = default;

Bytes EspPeer::seal(const Bytes& inner, std::size_t tfc_length) {
  return seal_with(*engine_, *sender_, inner, next_header_of(inner), tfc_length);
}

Bytes EspPeer::seal_at(std::uint64_t sequence, const Bytes& inner, std::uint8_t next_header,
                       std::size_t tfc_length) {
  esp::OutboundSa sa(*engine_, send_, sequence);
  return seal_with(*engine_, sa, inner, next_header, tfc_length);
}

Bytes EspPeer::seal_plaintext(std::uint64_t sequence, const Bytes& plaintext) {
  // The GCM transform as esp::encrypt performs it (PROTOCOL.md 1), but over
  // a plaintext the caller wrote, trailer included.
  esp::OutboundSa sa(*engine_, send_, sequence);
  Bytes out(esp::kHeaderSize + plaintext.size() + esp::kIcvSize);
  net::store32(out.data(), send_.spi);
  net::store32(out.data() + 4, static_cast<std::uint32_t>(sequence));
  for (int i = 0; i < 8; ++i)
    out[8 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sequence >> (8 * i));
  std::uint8_t nonce[12];
  std::memcpy(nonce, send_.salt.data(), 4);
  std::memcpy(nonce + 4, out.data() + 8, 8);
  std::uint8_t aad[12];
  std::memcpy(aad, out.data(), 4);
  net::store32(aad + 4, static_cast<std::uint32_t>(sequence >> 32));
  std::memcpy(aad + 8, out.data() + 4, 4);
  gcm_context_data context;
  IMB_AES128_GCM_ENC(engine_->manager(), &sa.key(), &context, out.data() + esp::kHeaderSize,
                     plaintext.data(), plaintext.size(), nonce, aad, sizeof aad,
                     out.data() + esp::kHeaderSize + plaintext.size(), esp::kIcvSize);
  return out;
}

EspPeer::Opened EspPeer::open(const Bytes& esp_payload) {
  Bytes buffer = esp_payload;
  Opened o;
  if (buffer.size() >= 4) o.spi = net::load32(buffer.data());
  const esp::Decrypted d = esp::decrypt(*engine_, *receiver_, buffer.data(), buffer.size());
  o.status = d.status;
  o.next_header = d.next_header;
  o.sequence = d.sequence;
  if (d.status == esp::DecryptStatus::kOk)
    o.inner.assign(buffer.begin() + esp::kHeaderSize,
                   buffer.begin() + static_cast<std::ptrdiff_t>(esp::kHeaderSize + d.inner_length));
  return o;
}

std::optional<EspPeer::Opened> EspPeer::open_frame(const Bytes& frame) {
  const auto ip = parse_ip_frame(frame);
  if (!ip || ip->protocol != net::kProtocolEsp) return std::nullopt;
  return open(ip->payload);
}

Bytes esp_frame(const net::Mac& destination_mac, const net::Mac& source_mac,
                const net::Address& outer_source, const net::Address& outer_destination,
                const Bytes& esp_payload, const IpOptions& options) {
  return ip_frame(
      destination_mac, source_mac,
      ip_packet(outer_source, outer_destination, net::kProtocolEsp, esp_payload, options));
}

}  // namespace strait::testing
