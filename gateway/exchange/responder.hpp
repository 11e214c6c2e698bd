#pragma once
// The responder role of vita-ske v5 for one route and queue (PROTOCOL.md
// 2.2, 2.3), over UDP payloads (transport header + message); no I/O, no
// clock.
//
// Its only state between messages is the nonce. on_knock() answers with a
// challenge and changes nothing (it is const); on_proposal() runs the whole
// responder side of the handshake on scratch state and either completes
// (returns the agreement and the SAs, then draws a new nonce, so a replayed
// proposal fails authentication) or fails and changes nothing: the rollback
// PROTOCOL.md requires holds by construction. reset() draws a new nonce.
//
// Prologue: both sides put the initiator's identity first. Here
// initiator_address is the route's gateway address for this queue as
// configured at this node, responder_address this queue's own identity
// (nat-ip, else its public ip).

#include <array>
#include <cstdint>
#include <span>

#include "base/random.hpp"
#include "base/secret.hpp"
#include "exchange/error.hpp"
#include "exchange/messages.hpp"
#include "exchange/sa_keys.hpp"
#include "exchange/symmetric_state.hpp"
#include "net/address.hpp"

namespace strait::exchange {

class Responder {
 public:
  struct Agreement {
    AgreementPayload payload;  // send this to the initiator
    SaPair sas;
  };

  // random supplies the nonces (one is drawn here) and the ephemeral secret
  // keys; it must outlive the Responder.
  Responder(std::uint32_t route_spi, std::span<const std::uint8_t, 32> psk,
            const net::Address& responder_address, const net::Address& initiator_address,
            base::Random& random);
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // A knock of version 5 (else kVersion) gets the current challenge.
  Outcome<ChallengePayload> on_knock(std::span<const std::uint8_t> udp_payload) const noexcept;

  // Reads a proposal (kAuthentication, kPublicKey, kParameter for a peer SPI
  // < 256) and answers with an agreement carrying rx_spi, the inbound SPI
  // the caller chose (>= 256, else kParameter). Draws the ephemeral key only
  // once the proposal has authenticated.
  Outcome<Agreement> on_proposal(std::span<const std::uint8_t> udp_payload,
                                 std::uint32_t rx_spi) noexcept;

  // Abandons the current challenge: draws a new nonce.
  void reset() noexcept;

  std::span<const std::uint8_t, kNonceSize> nonce() const noexcept { return nonce_; }
  std::uint32_t route_spi() const noexcept { return route_spi_; }

 private:
  Outcome<Message> accept(std::span<const std::uint8_t> udp_payload,
                          MessageType type) const noexcept;
  void wipe_scratch() noexcept;

  std::uint32_t route_spi_;
  base::Secret<32> psk_;
  net::Address responder_address_;
  net::Address initiator_address_;
  base::Random& random_;
  std::array<std::uint8_t, kNonceSize> nonce_{};

  // Scratch for on_proposal(), wiped after every call.
  SymmetricState handshake_;
  base::Secret<32> ephemeral_secret_;
  base::Secret<32> shared_;
  base::Secret<kSplitSize> split_;
};

}  // namespace strait::exchange
