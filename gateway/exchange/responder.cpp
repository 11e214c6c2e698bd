#include "exchange/responder.hpp"

#include <sodium.h>

#include <algorithm>

#include "exchange/x25519.hpp"

namespace strait::exchange {

Responder::Responder(std::uint32_t route_spi, std::span<const std::uint8_t, 32> psk,
                     const net::Address& responder_address, const net::Address& initiator_address,
                     base::Random& random)
    : route_spi_(route_spi),
      psk_(psk),
      responder_address_(responder_address),
      initiator_address_(initiator_address),
      random_(random) {
  random_.fill(nonce_);
}

Outcome<Message> Responder::accept(std::span<const std::uint8_t> udp_payload,
                                   MessageType type) const noexcept {
  auto message = parse_message(udp_payload);
  if (!message) return message;
  if (message->route_spi != route_spi_) return Error::kRoute;
  if (message->type != type) return Error::kProtocol;
  return message;
}

Outcome<ChallengePayload> Responder::on_knock(
    std::span<const std::uint8_t> udp_payload) const noexcept {
  auto message = accept(udp_payload, MessageType::kKnock);
  if (!message) return message.error();
  if (load_be32(message->body.data()) != kProtocolVersion) return Error::kVersion;

  ChallengePayload challenge{};
  write_header(std::span(challenge).first<kHeaderSize>(), route_spi_, MessageType::kChallenge);
  store_be32(challenge.data() + kHeaderSize, kProtocolVersion);
  std::copy(kAead.begin(), kAead.end(), challenge.begin() + kHeaderSize + 4);
  std::copy(nonce_.begin(), nonce_.end(), challenge.begin() + kHeaderSize + 4 + kAeadSize);
  return challenge;
}

Outcome<Responder::Agreement> Responder::on_proposal(std::span<const std::uint8_t> udp_payload,
                                                     std::uint32_t rx_spi) noexcept {
  auto message = accept(udp_payload, MessageType::kProposal);
  if (!message) return message.error();
  if (rx_spi < kMinimumSpi) return Error::kParameter;
  const auto body = message->body;
  const auto peer_ephemeral = body.first<32>();

  const auto prologue = build_prologue(route_spi_, initiator_address_, responder_address_, nonce_);
  handshake_.initialize(prologue, psk_.span());
  handshake_.mix_hash(peer_ephemeral);
  handshake_.mix_key(peer_ephemeral);
  std::array<std::uint8_t, kPayloadSize> plaintext{};
  auto opened = handshake_.decrypt_and_hash(body.subspan(32), plaintext);
  if (!opened) {
    wipe_scratch();
    return opened.error();
  }
  const std::uint32_t peer_spi = decode_spi_payload(plaintext);
  sodium_memzero(plaintext.data(), plaintext.size());
  if (peer_spi < kMinimumSpi) {
    wipe_scratch();
    return Error::kParameter;
  }

  std::array<std::uint8_t, 32> ephemeral_public{};
  random_.fill(ephemeral_secret_.span());
  if (!x25519_public_key(ephemeral_secret_.span(), ephemeral_public) ||
      !x25519(ephemeral_secret_.span(), peer_ephemeral, shared_.span())) {
    wipe_scratch();
    return Error::kPublicKey;
  }
  handshake_.mix_hash(ephemeral_public);
  handshake_.mix_key(ephemeral_public);
  handshake_.mix_key(shared_.span());

  Agreement agreement{};
  auto& payload = agreement.payload;
  write_header(std::span(payload).first<kHeaderSize>(), route_spi_, MessageType::kAgreement);
  std::copy(ephemeral_public.begin(), ephemeral_public.end(), payload.begin() + kHeaderSize);
  const auto own = encode_spi_payload(rx_spi);
  auto sealed = handshake_.encrypt_and_hash(
      own, std::span(payload).subspan(kHeaderSize + 32, kPayloadSize + kTagSize));
  if (!sealed) {
    wipe_scratch();
    return sealed.error();
  }
  handshake_.split(split_.span());
  agreement.sas = make_sa_pair(Role::kResponder, split_.span(), rx_spi, peer_spi);
  wipe_scratch();
  random_.fill(nonce_);  // the exchange completed: a new challenge
  return agreement;
}

void Responder::reset() noexcept {
  wipe_scratch();
  random_.fill(nonce_);
}

void Responder::wipe_scratch() noexcept {
  handshake_.wipe();
  ephemeral_secret_.wipe();
  shared_.wipe();
  split_.wipe();
}

}  // namespace strait::exchange
