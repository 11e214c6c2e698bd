#include "exchange/initiator.hpp"

#include <sodium.h>

#include <algorithm>

#include "exchange/x25519.hpp"

namespace strait::exchange {

Initiator::Initiator(std::uint32_t route_spi, std::span<const std::uint8_t, 32> psk,
                     const net::Address& initiator_address, const net::Address& responder_address,
                     base::Random& random)
    : route_spi_(route_spi),
      psk_(psk),
      initiator_address_(initiator_address),
      responder_address_(responder_address),
      random_(random) {}

KnockPayload Initiator::knock() noexcept {
  reset();
  KnockPayload payload{};
  write_header(std::span(payload).first<kHeaderSize>(), route_spi_, MessageType::kKnock);
  store_be32(payload.data() + kHeaderSize, kProtocolVersion);
  state_ = State::kAwaitingChallenge;
  return payload;
}

Outcome<Message> Initiator::accept(std::span<const std::uint8_t> udp_payload, MessageType type,
                                   State state) const noexcept {
  auto message = parse_message(udp_payload);
  if (!message) return message;
  if (message->route_spi != route_spi_) return Error::kRoute;
  if (message->type != type || state_ != state) return Error::kProtocol;
  return message;
}

Outcome<ProposalPayload> Initiator::on_challenge(std::span<const std::uint8_t> udp_payload,
                                                 std::uint32_t rx_spi) noexcept {
  auto message = accept(udp_payload, MessageType::kChallenge, State::kAwaitingChallenge);
  if (!message) return message.error();
  const auto body = message->body;
  if (load_be32(body.data()) != kProtocolVersion) return Error::kVersion;
  if (!std::equal(kAead.begin(), kAead.end(), body.begin() + 4)) return Error::kParameter;
  if (rx_spi < kMinimumSpi) return Error::kParameter;

  const auto nonce = body.subspan<4 + kAeadSize, kNonceSize>();
  const auto prologue = build_prologue(route_spi_, initiator_address_, responder_address_, nonce);
  handshake_.initialize(prologue, psk_.span());

  random_.fill(ephemeral_secret_.span());
  if (!x25519_public_key(ephemeral_secret_.span(), ephemeral_public_)) {
    reset();
    state_ = State::kAwaitingChallenge;
    return Error::kPublicKey;
  }
  handshake_.mix_hash(ephemeral_public_);
  handshake_.mix_key(ephemeral_public_);

  ProposalPayload proposal{};
  write_header(std::span(proposal).first<kHeaderSize>(), route_spi_, MessageType::kProposal);
  std::copy(ephemeral_public_.begin(), ephemeral_public_.end(), proposal.begin() + kHeaderSize);
  const auto plaintext = encode_spi_payload(rx_spi);
  auto sealed = handshake_.encrypt_and_hash(
      plaintext, std::span(proposal).subspan(kHeaderSize + 32, kPayloadSize + kTagSize));
  if (!sealed) {
    reset();
    state_ = State::kAwaitingChallenge;
    return sealed.error();
  }
  rx_spi_ = rx_spi;
  state_ = State::kAwaitingAgreement;
  return proposal;
}

Outcome<SaPair> Initiator::on_agreement(std::span<const std::uint8_t> udp_payload) noexcept {
  auto message = accept(udp_payload, MessageType::kAgreement, State::kAwaitingAgreement);
  if (!message) return message.error();
  const auto body = message->body;
  const auto peer_ephemeral = body.first<32>();

  // Work on a copy: any failure leaves handshake_ as it was.
  scratch_.copy_from(handshake_);
  scratch_.mix_hash(peer_ephemeral);
  scratch_.mix_key(peer_ephemeral);
  if (!x25519(ephemeral_secret_.span(), peer_ephemeral, shared_.span())) {
    scratch_.wipe();
    return Error::kPublicKey;
  }
  scratch_.mix_key(shared_.span());
  shared_.wipe();
  std::array<std::uint8_t, kPayloadSize> plaintext{};
  auto opened = scratch_.decrypt_and_hash(body.subspan(32), plaintext);
  if (!opened) {
    scratch_.wipe();
    return opened.error();
  }
  const std::uint32_t peer_spi = decode_spi_payload(plaintext);
  sodium_memzero(plaintext.data(), plaintext.size());
  if (peer_spi < kMinimumSpi) {
    scratch_.wipe();
    return Error::kParameter;
  }
  scratch_.split(split_.span());
  SaPair sas = make_sa_pair(Role::kInitiator, split_.span(), rx_spi_, peer_spi);
  reset();
  return sas;
}

void Initiator::reset() noexcept {
  handshake_.wipe();
  scratch_.wipe();
  ephemeral_secret_.wipe();
  shared_.wipe();
  split_.wipe();
  sodium_memzero(ephemeral_public_.data(), ephemeral_public_.size());
  rx_spi_ = 0;
  state_ = State::kIdle;
}

}  // namespace strait::exchange
