#include "exchange/messages.hpp"

#include <algorithm>

namespace strait::exchange {
namespace {

void put_address(std::uint8_t* out, const net::Address& address) {
  std::fill_n(out, 16, std::uint8_t{0});
  const std::size_t n = address.family == net::Family::kIpv4 ? 4 : 16;
  std::copy_n(address.bytes.begin(), n, out);
}

}  // namespace

void store_be32(std::uint8_t* out, std::uint32_t value) noexcept {
  out[0] = static_cast<std::uint8_t>(value >> 24);
  out[1] = static_cast<std::uint8_t>(value >> 16);
  out[2] = static_cast<std::uint8_t>(value >> 8);
  out[3] = static_cast<std::uint8_t>(value);
}

std::uint32_t load_be32(const std::uint8_t* in) noexcept {
  return (std::uint32_t{in[0]} << 24) | (std::uint32_t{in[1]} << 16) | (std::uint32_t{in[2]} << 8) |
         std::uint32_t{in[3]};
}

Outcome<Message> parse_message(std::span<const std::uint8_t> udp_payload) noexcept {
  if (udp_payload.size() < kHeaderSize) return Error::kProtocol;
  const auto type = static_cast<MessageType>(udp_payload[4]);
  const std::size_t size = message_size(type);
  if (size == 0 || udp_payload.size() != kHeaderSize + size) return Error::kProtocol;
  // udp_payload[5..7] are reserved: ignored on receipt (see header comment).
  return Message{load_be32(udp_payload.data()), type, udp_payload.subspan(kHeaderSize)};
}

void write_header(std::span<std::uint8_t, kHeaderSize> out, std::uint32_t route_spi,
                  MessageType type) noexcept {
  store_be32(out.data(), route_spi);
  out[4] = static_cast<std::uint8_t>(type);
  out[5] = out[6] = out[7] = 0;
}

std::array<std::uint8_t, kPrologueSize> build_prologue(
    std::uint32_t route_spi, const net::Address& initiator_address,
    const net::Address& responder_address,
    std::span<const std::uint8_t, kNonceSize> nonce) noexcept {
  std::array<std::uint8_t, kPrologueSize> p{};
  store_be32(p.data(), kProtocolVersion);
  store_be32(p.data() + 4, route_spi);
  put_address(p.data() + 8, initiator_address);
  put_address(p.data() + 24, responder_address);
  std::copy(kAead.begin(), kAead.end(), p.begin() + 40);
  std::copy(nonce.begin(), nonce.end(), p.begin() + 72);
  return p;
}

}  // namespace strait::exchange

namespace strait::exchange {

std::array<std::uint8_t, kPayloadSize> encode_spi_payload(std::uint32_t spi) noexcept {
  std::array<std::uint8_t, kPayloadSize> payload{};
  store_be32(payload.data(), spi);
  return payload;
}

std::uint32_t decode_spi_payload(std::span<const std::uint8_t, kPayloadSize> payload) noexcept {
  return load_be32(payload.data());
}

}  // namespace strait::exchange
