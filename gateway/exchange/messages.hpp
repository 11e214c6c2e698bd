#pragma once
// vita-ske version 5 wire format (PROTOCOL.md 2.1): the 8-byte transport
// header, the four messages and their exact sizes, and the 116-byte Noise
// prologue (2.3). Pure functions over byte spans: no I/O, no allocation.
//
// Reserved header bytes: always sent as zero; ignored on receipt (the
// convention for reserved fields, and what a Vita peer accepts), so a peer
// that some day uses them is not turned away. Everything else is strict.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "exchange/error.hpp"
#include "net/address.hpp"

namespace strait::exchange {

inline constexpr std::uint32_t kProtocolVersion = 5;
inline constexpr std::uint32_t kMinimumSpi = 256;  // SPIs below are reserved

enum class MessageType : std::uint8_t {
  kKnock = 11,
  kChallenge = 12,
  kProposal = 13,
  kAgreement = 14,
};

inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kKnockSize = 4;       // version
inline constexpr std::size_t kChallengeSize = 68;  // version aead[32] nonce[32]
inline constexpr std::size_t kProposalSize = 80;   // ne[32] payload[32] tag[16]
inline constexpr std::size_t kAgreementSize = 80;  // ne[32] payload[32] tag[16]
inline constexpr std::size_t kNonceSize = 32;
inline constexpr std::size_t kAeadSize = 32;
inline constexpr std::size_t kPayloadSize = 32;  // spi(4) || 28 zero bytes
// PROTOCOL.md 2.3 says "Prologue (116 bytes)", but its own field list sums
// to 4 + 4 + 16 + 16 + 32 + 32 = 104, and the vectors (checked against a live
// Vita node) hash exactly those 104 bytes: the field list is the contract.
inline constexpr std::size_t kPrologueSize = 4 + 4 + 16 + 16 + kAeadSize + kNonceSize;
static_assert(kPrologueSize == 104);

// Message sizes without the transport header; 0 for an unknown type.
constexpr std::size_t message_size(MessageType type) {
  switch (type) {
    case MessageType::kKnock:
      return kKnockSize;
    case MessageType::kChallenge:
      return kChallengeSize;
    case MessageType::kProposal:
      return kProposalSize;
    case MessageType::kAgreement:
      return kAgreementSize;
  }
  return 0;
}

// UDP payloads (transport header + message).
using KnockPayload = std::array<std::uint8_t, kHeaderSize + kKnockSize>;
using ChallengePayload = std::array<std::uint8_t, kHeaderSize + kChallengeSize>;
using ProposalPayload = std::array<std::uint8_t, kHeaderSize + kProposalSize>;
using AgreementPayload = std::array<std::uint8_t, kHeaderSize + kAgreementSize>;

// "aes-gcm-16-icv", zero-padded to 32 bytes.
inline constexpr std::array<std::uint8_t, kAeadSize> kAead = {'a', 'e', 's', '-', 'g', 'c', 'm',
                                                              '-', '1', '6', '-', 'i', 'c', 'v'};

struct Message {
  std::uint32_t route_spi = 0;
  MessageType type = MessageType::kKnock;
  std::span<const std::uint8_t> body;  // exactly message_size(type) bytes
};

// Parses a UDP payload: at least a header, a known type, and a length that
// equals the type's size exactly. Otherwise Error::kProtocol. The route SPI
// is not checked here (an unknown one is the caller's Error::kRoute).
Outcome<Message> parse_message(std::span<const std::uint8_t> udp_payload) noexcept;

// Writes the transport header (reserved bytes zero) into out[0:8].
void write_header(std::span<std::uint8_t, kHeaderSize> out, std::uint32_t route_spi,
                  MessageType type) noexcept;

// Big-endian helpers.
void store_be32(std::uint8_t* out, std::uint32_t value) noexcept;
std::uint32_t load_be32(const std::uint8_t* in) noexcept;

// The prologue (104 bytes): version(4) route_spi(4) initiator_address[16]
// responder_address[16] aead[32] nonce[32]. An IPv4 address fills the first
// 4 bytes of its field, the rest zero. initiator_address is the initiator's
// identity, responder_address the responder's, on both sides.
std::array<std::uint8_t, kPrologueSize> build_prologue(
    std::uint32_t route_spi, const net::Address& initiator_address,
    const net::Address& responder_address,
    std::span<const std::uint8_t, kNonceSize> nonce) noexcept;

}  // namespace strait::exchange

namespace strait::exchange {

// The encrypted payload's plaintext: the sender's chosen inbound ESP SPI
// (big-endian) followed by 28 zero bytes.
std::array<std::uint8_t, kPayloadSize> encode_spi_payload(std::uint32_t spi) noexcept;
// The SPI of a decrypted payload. The 28 padding bytes are not checked: the
// payload is authenticated, and a peer's padding carries no meaning.
std::uint32_t decode_spi_payload(std::span<const std::uint8_t, kPayloadSize> payload) noexcept;

}  // namespace strait::exchange
