#pragma once
// The initiator role of vita-ske v5 for one route and queue (PROTOCOL.md
// 2.2, 2.3): a state machine over UDP payloads (transport header + message).
// No I/O, no clock: the caller sends what it returns, feeds it what arrives,
// and calls reset() when negotiation-ttl expires.
//
//   kIdle --knock()--> kAwaitingChallenge --on_challenge()--> kAwaitingAgreement
//     ^                                                            |
//     +---------------------- on_agreement() ok -------------------+
//
// A call that fails returns the Error and leaves the state exactly as it was
// (an agreement that fails authentication or carries a low-order key is
// rolled back, so a forged agreement cannot abort a genuine exchange).
// Messages of a type or in a state not expected are Error::kProtocol; a
// route SPI other than this route's is Error::kRoute. Ephemeral secrets and
// handshake state are wiped when an exchange completes or is reset.

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

class Initiator {
 public:
  enum class State : std::uint8_t { kIdle, kAwaitingChallenge, kAwaitingAgreement };

  // initiator_address: this queue's identity (nat-ip, else its public ip);
  // responder_address: the route's gateway address for this queue.
  // random supplies the ephemeral secret keys; it must outlive the Initiator.
  Initiator(std::uint32_t route_spi, std::span<const std::uint8_t, 32> psk,
            const net::Address& initiator_address, const net::Address& responder_address,
            base::Random& random);
  Initiator(const Initiator&) = delete;
  Initiator& operator=(const Initiator&) = delete;

  // Starts an exchange, abandoning one in progress: state kAwaitingChallenge.
  KnockPayload knock() noexcept;

  // In kAwaitingChallenge: checks version (kVersion) and aead (kParameter),
  // draws an ephemeral key and returns the proposal carrying rx_spi, the
  // inbound SPI the caller chose (>= 256, else kParameter); state
  // kAwaitingAgreement.
  Outcome<ProposalPayload> on_challenge(std::span<const std::uint8_t> udp_payload,
                                        std::uint32_t rx_spi) noexcept;

  // In kAwaitingAgreement: authenticates the agreement and returns the SAs
  // (kPublicKey, kAuthentication, or kParameter for a peer SPI < 256, each
  // rolled back); on success state kIdle.
  Outcome<SaPair> on_agreement(std::span<const std::uint8_t> udp_payload) noexcept;

  // Abandons any exchange in progress and wipes its secrets: state kIdle.
  void reset() noexcept;

  State state() const noexcept { return state_; }
  std::uint32_t route_spi() const noexcept { return route_spi_; }

 private:
  Outcome<Message> accept(std::span<const std::uint8_t> udp_payload, MessageType type,
                          State state) const noexcept;

  std::uint32_t route_spi_;
  base::Secret<32> psk_;
  net::Address initiator_address_;
  net::Address responder_address_;
  base::Random& random_;

  State state_ = State::kIdle;
  std::uint32_t rx_spi_ = 0;
  base::Secret<32> ephemeral_secret_;
  std::array<std::uint8_t, 32> ephemeral_public_{};
  SymmetricState handshake_;  // as after the proposal
  SymmetricState scratch_;    // works on a copy while reading the agreement
  base::Secret<32> shared_;   // DH result
  base::Secret<kSplitSize> split_;
};

}  // namespace strait::exchange
