#define BOOST_TEST_MODULE exchange_messages
// PROTOCOL.md 2.1 wire format: constants, the transport header, exact
// message lengths, the SPI payload and the prologue layout.

#include <boost/test/unit_test.hpp>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "exchange/error.hpp"
#include "exchange/messages.hpp"

using namespace strait;
using namespace strait::exchange;
using base::encode_hex;

BOOST_AUTO_TEST_CASE(constants) {
  BOOST_TEST(kProtocolVersion == 5u);
  BOOST_TEST(static_cast<int>(MessageType::kKnock) == 11);
  BOOST_TEST(static_cast<int>(MessageType::kChallenge) == 12);
  BOOST_TEST(static_cast<int>(MessageType::kProposal) == 13);
  BOOST_TEST(static_cast<int>(MessageType::kAgreement) == 14);
  BOOST_TEST(message_size(MessageType::kKnock) == 4u);
  BOOST_TEST(message_size(MessageType::kChallenge) == 68u);
  BOOST_TEST(message_size(MessageType::kProposal) == 80u);
  BOOST_TEST(message_size(MessageType::kAgreement) == 80u);
  BOOST_TEST(message_size(static_cast<MessageType>(15)) == 0u);
  BOOST_TEST(encode_hex(kAead) ==
             "6165732d67636d2d31362d696376000000000000000000000000000000000000");
  BOOST_TEST(std::string(reinterpret_cast<const char*>(kAead.data())) == "aes-gcm-16-icv");
}

BOOST_AUTO_TEST_CASE(error_counters_map_one_to_one) {
  BOOST_TEST(counter_name(Error::kProtocol) == "protocol-errors");
  BOOST_TEST(counter_name(Error::kVersion) == "version-errors");
  BOOST_TEST(counter_name(Error::kParameter) == "parameter-errors");
  BOOST_TEST(counter_name(Error::kAuthentication) == "authentication-errors");
  BOOST_TEST(counter_name(Error::kPublicKey) == "public-key-errors");
  BOOST_TEST(counter_name(Error::kRoute) == "route-errors");
  BOOST_TEST(counter_name(Error::kUnsupported).empty());
}

BOOST_AUTO_TEST_CASE(header_round_trip) {
  std::array<std::uint8_t, 12> payload{};
  write_header(std::span(payload).first<8>(), 0x01020304, MessageType::kKnock);
  store_be32(payload.data() + 8, 5);
  BOOST_TEST(encode_hex(payload) == "010203040b00000000000005");
  auto message = parse_message(payload);
  BOOST_REQUIRE(message.ok());
  BOOST_TEST(message->route_spi == 0x01020304u);
  BOOST_TEST((message->type == MessageType::kKnock));
  BOOST_TEST(message->body.size() == 4u);
  BOOST_TEST(message->body.data() == payload.data() + 8);
  BOOST_TEST(load_be32(message->body.data()) == 5u);
}

BOOST_AUTO_TEST_CASE(reserved_bytes_are_ignored_on_receipt) {
  std::array<std::uint8_t, 12> payload{};
  write_header(std::span(payload).first<8>(), 1001, MessageType::kKnock);
  payload[5] = 0xff;
  payload[7] = 0x01;
  auto message = parse_message(payload);
  BOOST_REQUIRE(message.ok());
  BOOST_TEST((message->type == MessageType::kKnock));
}

BOOST_AUTO_TEST_CASE(every_wrong_length_and_unknown_type_is_a_protocol_error) {
  std::vector<std::uint8_t> buffer(200, 0);
  for (int type = 0; type < 256; ++type) {
    const std::size_t size = message_size(static_cast<MessageType>(type));
    const bool known = type >= 11 && type <= 14;
    BOOST_TEST((size != 0) == known);
    for (std::size_t length = 0; length < buffer.size(); ++length) {
      std::fill(buffer.begin(), buffer.end(), std::uint8_t{0});
      if (length > 4) buffer[4] = static_cast<std::uint8_t>(type);
      auto message = parse_message(std::span(buffer).first(length));
      const bool valid = known && length > 4 && length == 8 + size;
      if (valid) {
        BOOST_TEST(message.ok());
      } else {
        BOOST_TEST((!message.ok() && message.error() == Error::kProtocol),
                   "type " << type << " length " << length);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(spi_payload) {
  const auto payload = encode_spi_payload(0xdeadbeef);
  BOOST_TEST(encode_hex(payload) ==
             "deadbeef00000000000000000000000000000000000000000000000000000000");
  BOOST_TEST(decode_spi_payload(payload) == 0xdeadbeefu);
}

BOOST_AUTO_TEST_CASE(prologue_layout) {
  std::array<std::uint8_t, 32> nonce{};
  for (std::size_t i = 0; i < nonce.size(); ++i)
    nonce[i] = static_cast<std::uint8_t>(0xc0 + i);
  const auto v4 = build_prologue(0x00abcdef, *net::Address::parse("192.0.2.1"),
                                 *net::Address::parse("198.51.100.7"), nonce);
  BOOST_TEST(v4.size() == 104u);
  BOOST_TEST(encode_hex(std::span(v4).first(8)) == "0000000500abcdef");
  BOOST_TEST(encode_hex(std::span(v4).subspan(8, 16)) == "c0000201000000000000000000000000");
  BOOST_TEST(encode_hex(std::span(v4).subspan(24, 16)) == "c6336407000000000000000000000000");
  BOOST_TEST(encode_hex(std::span(v4).subspan(40, 32)) == encode_hex(kAead));
  BOOST_TEST(encode_hex(std::span(v4).subspan(72, 32)) == encode_hex(nonce));

  const auto v6 = build_prologue(7, *net::Address::parse("2001:db8::2"),
                                 *net::Address::parse("2001:db8::1"), nonce);
  BOOST_TEST(encode_hex(std::span(v6).subspan(8, 16)) == "20010db8000000000000000000000002");
  BOOST_TEST(encode_hex(std::span(v6).subspan(24, 16)) == "20010db8000000000000000000000001");

  // An IPv4 address with stray bytes beyond its 4 still fills only 4.
  net::Address dirty = *net::Address::parse("192.0.2.1");
  dirty.bytes[10] = 0xff;
  const auto clean = build_prologue(0x00abcdef, dirty, *net::Address::parse("198.51.100.7"), nonce);
  BOOST_TEST(encode_hex(clean) == encode_hex(v4));
}
