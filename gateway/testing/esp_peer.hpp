#pragma once
// The far end of a tunnel as a test sees it: seals inner packets into ESP
// exactly as a peer gateway would (esp::encrypt), and opens what the
// gateway under test sends. Also builds the malformed ESP a hostile or
// broken peer could send (explicit sequence numbers, bad trailers).

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>

#include "esp/engine.hpp"
#include "esp/security_association.hpp"
#include "esp/transform.hpp"
#include "net/address.hpp"
#include "testing/frame_builder.hpp"

namespace strait::esp {
// For test diagnostics (Boost.Test prints compared values).
inline std::ostream& operator<<(std::ostream& out, DecryptStatus status) {
  static constexpr const char* kNames[] = {
      "ok", "truncated", "replay", "authentication", "bad-padding", "bad-next-header"};
  return out << kNames[static_cast<int>(status)];
}
}  // namespace strait::esp

namespace strait::testing {

class EspPeer {
 public:
  // `send`: the SA the peer encrypts with (the gateway's inbound SA).
  // `receive`: the SA it decrypts with (the gateway's outbound SA).
  EspPeer(const esp::SaParameters& send, const esp::SaParameters& receive);
  ~EspPeer();
  EspPeer(const EspPeer&) = delete;
  EspPeer& operator=(const EspPeer&) = delete;

  // ESP payload (SPI through ICV) carrying `inner` under the next sequence
  // number; the next header follows the inner IP version.
  Bytes seal(const Bytes& inner, std::size_t tfc_length = 0);
  // With an explicit sequence number and next header (replays, bad values).
  Bytes seal_at(std::uint64_t sequence, const Bytes& inner, std::uint8_t next_header,
                std::size_t tfc_length = 0);
  // Encrypts `plaintext` as given, its trailer included (malformed trailers).
  Bytes seal_plaintext(std::uint64_t sequence, const Bytes& plaintext);

  struct Opened {
    esp::DecryptStatus status = esp::DecryptStatus::kTruncated;
    std::uint32_t spi = 0;
    std::uint8_t next_header = 0;
    std::uint64_t sequence = 0;
    Bytes inner;  // the decrypted payload, TFC padding included
  };
  // Decrypts an ESP payload with the receive SA (its own anti-replay window).
  Opened open(const Bytes& esp_payload);
  // Decrypts the ESP of an outer IP frame; nullopt if it is not ESP over IP.
  std::optional<Opened> open_frame(const Bytes& frame);

  esp::InboundSa& receive_sa() noexcept { return *receiver_; }

 private:
  std::unique_ptr<esp::Engine> engine_;
  esp::SaParameters send_;
  std::unique_ptr<esp::OutboundSa> sender_;
  std::unique_ptr<esp::InboundSa> receiver_;
};

// ESP payload wrapped in an outer IP packet (protocol 50) and Ethernet.
Bytes esp_frame(const net::Mac& destination_mac, const net::Mac& source_mac,
                const net::Address& outer_source, const net::Address& outer_destination,
                const Bytes& esp_payload, const IpOptions& options = {});

}  // namespace strait::testing
