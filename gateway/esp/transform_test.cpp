#define BOOST_TEST_MODULE transform
#include "esp/transform.hpp"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "esp/engine.hpp"
#include "esp/esp_test_support.hpp"
#include "esp/security_association.hpp"

using namespace strait::esp;
using namespace strait::esp::test;

namespace {

constexpr std::size_t kGuard = 64;
constexpr std::uint8_t kGuardByte = 0xee;

SaParameters parameters() {
  SaParameters p;
  p.spi = 0x01020304;
  for (std::size_t i = 0; i < p.key.size(); ++i)
    p.key[i] = static_cast<std::uint8_t>(0x40 + i);
  p.salt = {0xca, 0xfe, 0xba, 0xbe};
  return p;
}

std::vector<std::uint8_t> inner_packet(std::size_t length, std::uint8_t seed) {
  std::vector<std::uint8_t> inner(length);
  for (std::size_t i = 0; i < length; ++i)
    inner[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return inner;
}

// A buffer holding `inner` at the ESP payload position, with exactly the
// tailroom encrypt() asks for, followed by guard bytes.
std::vector<std::uint8_t> buffer_for(const std::vector<std::uint8_t>& inner,
                                     std::size_t tfc_length = 0) {
  const std::size_t room = kHeaderSize + std::max(inner.size(), tfc_length) + kTrailerMax;
  std::vector<std::uint8_t> buffer(room + kGuard, kGuardByte);
  std::fill(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(kHeaderSize), 0xab);
  std::copy(inner.begin(), inner.end(), buffer.begin() + kHeaderSize);
  return buffer;
}

bool guard_intact(const std::vector<std::uint8_t>& buffer) {
  for (std::size_t i = buffer.size() - kGuard; i < buffer.size(); ++i) {
    if (buffer[i] != kGuardByte) return false;
  }
  return true;
}

// Test-only sealing of an arbitrary plaintext (any trailer) with the
// outbound SA's key and next sequence number, following PROTOCOL.md 1 with
// the engine directly. Returns the whole ESP payload.
std::vector<std::uint8_t> seal(Engine& engine, OutboundSa& sa,
                               const std::vector<std::uint8_t>& plaintext) {
  const std::uint64_t seq = sa.next_sequence();
  std::vector<std::uint8_t> esp(kHeaderSize + plaintext.size() + kIcvSize);
  const std::uint32_t spi = sa.spi();
  const auto lo = static_cast<std::uint32_t>(seq);
  const auto hi = static_cast<std::uint32_t>(seq >> 32);
  for (int i = 0; i < 4; ++i) {
    esp[i] = static_cast<std::uint8_t>(spi >> (24 - 8 * i));
    esp[4 + i] = static_cast<std::uint8_t>(lo >> (24 - 8 * i));
  }
  for (int i = 0; i < 8; ++i)
    esp[8 + i] = static_cast<std::uint8_t>(seq >> (8 * i));
  std::uint8_t nonce[12];
  std::memcpy(nonce, sa.salt(), 4);
  std::memcpy(nonce + 4, esp.data() + 8, 8);
  std::uint8_t aad[12];
  std::memcpy(aad, esp.data(), 4);
  for (int i = 0; i < 4; ++i)
    aad[4 + i] = static_cast<std::uint8_t>(hi >> (24 - 8 * i));
  std::memcpy(aad + 8, esp.data() + 4, 4);
  gcm_context_data context;
  IMB_AES128_GCM_ENC(engine.manager(), &sa.key(), &context, esp.data() + kHeaderSize,
                     plaintext.data(), plaintext.size(), nonce, aad, sizeof aad,
                     esp.data() + kHeaderSize + plaintext.size(), kIcvSize);
  return esp;
}

struct Fixture {
  std::unique_ptr<Engine> engine = make_engine();
  OutboundSa outbound{*engine, parameters()};
  InboundSa inbound{*engine, parameters()};

  std::vector<std::uint8_t> encrypted(const std::vector<std::uint8_t>& inner,
                                      std::uint8_t next_header = kNextHeaderIpv4) {
    auto buffer = buffer_for(inner);
    const std::size_t length = encrypt(*engine, outbound, buffer.data(), inner.size(), next_header);
    buffer.resize(length);
    return buffer;
  }

  bool counters_are(std::uint64_t rxerrors, std::uint64_t protocol_errors,
                    std::uint64_t decrypt_errors) const {
    return inbound.counters.rxerrors == rxerrors &&
           inbound.counters.protocol_errors == protocol_errors &&
           inbound.counters.decrypt_errors == decrypt_errors;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(engine_reports_its_architecture) {
  auto engine = make_engine();
  BOOST_TEST(std::string(engine->architecture()) != "none");
  BOOST_TEST_MESSAGE("libipsec-mb architecture: " << engine->architecture());
}

BOOST_FIXTURE_TEST_CASE(round_trips_for_many_lengths, Fixture) {
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; ++n)
    lengths.push_back(n);
  for (std::size_t n = 1400; n <= 1500; ++n)
    lengths.push_back(n);
  std::uint64_t expected_seq = 0;
  for (const std::uint8_t next_header : {kNextHeaderIpv4, kNextHeaderIpv6}) {
    for (const std::size_t n : lengths) {
      const auto inner = inner_packet(n, static_cast<std::uint8_t>(n + next_header));
      auto buffer = buffer_for(inner);
      const std::size_t length = encrypt(*engine, outbound, buffer.data(), n, next_header);
      ++expected_seq;
      BOOST_TEST_REQUIRE(guard_intact(buffer));
      const std::size_t pad = (4 - (n + 2) % 4) % 4;
      BOOST_TEST_REQUIRE(length == kHeaderSize + n + pad + 2 + kIcvSize);
      BOOST_TEST_REQUIRE(length % 4 == 0);
      BOOST_TEST_REQUIRE(outbound.last_sequence() == expected_seq);
      // Header: SPI and seq_lo big-endian, IV = sequence little-endian.
      const std::uint8_t header[8] = {0x01,
                                      0x02,
                                      0x03,
                                      0x04,
                                      static_cast<std::uint8_t>(expected_seq >> 24),
                                      static_cast<std::uint8_t>(expected_seq >> 16),
                                      static_cast<std::uint8_t>(expected_seq >> 8),
                                      static_cast<std::uint8_t>(expected_seq)};
      BOOST_TEST_REQUIRE(std::memcmp(buffer.data(), header, 8) == 0);
      for (int i = 0; i < 8; ++i) {
        BOOST_TEST_REQUIRE(buffer[8 + i] == static_cast<std::uint8_t>(expected_seq >> (8 * i)));
      }
      // The plaintext is not visible in the ciphertext (n >= 16 to avoid
      // chance matches).
      if (n >= 16) {
        BOOST_TEST_REQUIRE(std::memcmp(buffer.data() + kHeaderSize, inner.data(), 16) != 0);
      }

      const Decrypted result = decrypt(*engine, inbound, buffer.data(), length);
      BOOST_TEST_REQUIRE(result.status == DecryptStatus::kOk);
      BOOST_TEST_REQUIRE(result.next_header == next_header);
      BOOST_TEST_REQUIRE(result.inner_length == n);
      BOOST_TEST_REQUIRE(result.sequence == expected_seq);
      BOOST_TEST_REQUIRE(
          (n == 0 || std::memcmp(buffer.data() + kHeaderSize, inner.data(), n) == 0));
      // Decrypted in place: padding 1, 2, 3..., pad length, next header.
      const std::uint8_t* trailer = buffer.data() + kHeaderSize + n;
      for (std::size_t i = 0; i < pad; ++i)
        BOOST_TEST_REQUIRE(trailer[i] == i + 1);
      BOOST_TEST_REQUIRE(trailer[pad] == pad);
      BOOST_TEST_REQUIRE(trailer[pad + 1] == next_header);
    }
  }
  BOOST_TEST(counters_are(0, 0, 0));
  BOOST_TEST(inbound.window().highest() == expected_seq);
}

BOOST_FIXTURE_TEST_CASE(every_length_below_the_minimum_is_truncated, Fixture) {
  // Minimum: header 16 + pad length + next header + ICV 16 = 34, rounded up
  // to a multiple of 4: 36.
  const auto packet = encrypted({});
  BOOST_TEST_REQUIRE(packet.size() == 36u);
  std::uint64_t expected = 0;
  for (std::size_t length = 0; length < packet.size(); ++length) {
    auto copy = packet;
    const Decrypted result = decrypt(*engine, inbound, copy.data(), length);
    ++expected;
    BOOST_TEST_REQUIRE(result.status == DecryptStatus::kTruncated);
    BOOST_TEST_REQUIRE(counters_are(expected, 0, 0));
  }
  // Lengths that are not a multiple of 4 are malformed too.
  const auto longer = encrypted(inner_packet(100, 1));
  for (std::size_t cut = 1; cut <= 3; ++cut) {
    auto copy = longer;
    BOOST_TEST(decrypt(*engine, inbound, copy.data(), copy.size() - cut).status ==
               DecryptStatus::kTruncated);
    ++expected;
  }
  BOOST_TEST(counters_are(expected, 0, 0));
  BOOST_TEST(inbound.window().highest() == 0u);
  // The untouched packets are still good.
  auto copy = longer;
  BOOST_TEST(decrypt(*engine, inbound, copy.data(), copy.size()).status == DecryptStatus::kOk);
}

BOOST_FIXTURE_TEST_CASE(any_flipped_bit_fails_authentication, Fixture) {
  const auto inner = inner_packet(61, 9);
  (void)encrypted(inner);  // use seq 2: no single flip of seq_lo yields the invalid 0
  const auto packet = encrypted(inner);
  std::uint64_t expected = 0;
  // Every byte: SPI, seq_lo, IV (header, all authenticated or part of the
  // nonce), ciphertext and tag.
  for (std::size_t i = 0; i < packet.size(); ++i) {
    for (const std::uint8_t mask : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
      auto copy = packet;
      copy[i] ^= mask;
      const Decrypted result = decrypt(*engine, inbound, copy.data(), copy.size());
      ++expected;
      BOOST_TEST_REQUIRE(result.status == DecryptStatus::kAuthentication);
      BOOST_TEST_REQUIRE(counters_are(0, 0, expected));
    }
  }
  // Failures did not move the window: the genuine packet is still accepted.
  BOOST_TEST(inbound.window().highest() == 0u);
  auto copy = packet;
  const Decrypted result = decrypt(*engine, inbound, copy.data(), copy.size());
  BOOST_TEST(result.status == DecryptStatus::kOk);
  BOOST_TEST(result.inner_length == inner.size());
  BOOST_TEST(counters_are(0, 0, expected));
}

BOOST_FIXTURE_TEST_CASE(wrong_key_or_salt_fails_authentication, Fixture) {
  auto other_key = parameters();
  other_key.key[0] ^= 1;
  auto other_salt = parameters();
  other_salt.salt[3] ^= 1;
  InboundSa wrong_key(*engine, other_key);
  InboundSa wrong_salt(*engine, other_salt);
  const auto packet = encrypted(inner_packet(40, 3));
  auto a = packet;
  auto b = packet;
  BOOST_TEST(decrypt(*engine, wrong_key, a.data(), a.size()).status ==
             DecryptStatus::kAuthentication);
  BOOST_TEST(decrypt(*engine, wrong_salt, b.data(), b.size()).status ==
             DecryptStatus::kAuthentication);
  BOOST_TEST(wrong_key.counters.decrypt_errors == 1u);
  BOOST_TEST(wrong_salt.counters.decrypt_errors == 1u);
}

BOOST_FIXTURE_TEST_CASE(wrong_seq_hi_fails_authentication, Fixture) {
  // The high half is not on the wire but in the AAD: a receiver that
  // reconstructs another seq_hi cannot authenticate.
  OutboundSa high(*engine, parameters(), (std::uint64_t{1} << 32) + 5);
  auto buffer = buffer_for(inner_packet(20, 1));
  const std::size_t length = encrypt(*engine, high, buffer.data(), 20, kNextHeaderIpv4);
  const Decrypted result = decrypt(*engine, inbound, buffer.data(), length);  // fresh: seq_hi 0
  BOOST_TEST(result.status == DecryptStatus::kAuthentication);
  BOOST_TEST(result.sequence == 5u);
  BOOST_TEST(counters_are(0, 0, 1));
}

BOOST_FIXTURE_TEST_CASE(bad_pad_length_is_a_protocol_error, Fixture) {
  // plaintext = 6 bytes of inner + pad length + next header = 8 bytes.
  std::uint64_t expected = 0;
  for (const int pad_length : {7, 8, 100, 255}) {  // pad_length + 2 > 8
    auto plaintext = inner_packet(8, 1);
    plaintext[6] = static_cast<std::uint8_t>(pad_length);
    plaintext[7] = kNextHeaderIpv4;
    auto packet = seal(*engine, outbound, plaintext);
    const Decrypted result = decrypt(*engine, inbound, packet.data(), packet.size());
    ++expected;
    BOOST_TEST_REQUIRE(result.status == DecryptStatus::kBadPadding);
    BOOST_TEST_REQUIRE(counters_are(0, expected, 0));
  }
  // Boundary: padding filling the whole plaintext is valid (empty inner).
  auto plaintext = inner_packet(8, 1);
  plaintext[6] = 6;
  plaintext[7] = kNextHeaderIpv6;
  auto packet = seal(*engine, outbound, plaintext);
  const Decrypted result = decrypt(*engine, inbound, packet.data(), packet.size());
  BOOST_TEST(result.status == DecryptStatus::kOk);
  BOOST_TEST(result.inner_length == 0u);
  BOOST_TEST(counters_are(0, expected, 0));
}

BOOST_FIXTURE_TEST_CASE(padding_content_is_not_checked, Fixture) {
  // A Vita peer leaves padding bytes unspecified.
  std::vector<std::uint8_t> plaintext = {0x45, 0x00, 0xaa, 0xbb, 0xcc, 0xdd, 4, kNextHeaderIpv4};
  auto packet = seal(*engine, outbound, plaintext);
  const Decrypted result = decrypt(*engine, inbound, packet.data(), packet.size());
  BOOST_TEST(result.status == DecryptStatus::kOk);
  BOOST_TEST(result.inner_length == 2u);
  BOOST_TEST(result.next_header == kNextHeaderIpv4);
  BOOST_TEST(counters_are(0, 0, 0));
}

BOOST_FIXTURE_TEST_CASE(bad_next_header_is_a_protocol_error, Fixture) {
  std::uint64_t expected = 0;
  for (const int value : {0, 6, 17, 50, 59, 255}) {
    const auto next_header = static_cast<std::uint8_t>(value);
    auto plaintext = inner_packet(24, next_header);
    plaintext[22] = 0;
    plaintext[23] = next_header;
    auto packet = seal(*engine, outbound, plaintext);
    const Decrypted result = decrypt(*engine, inbound, packet.data(), packet.size());
    ++expected;
    BOOST_TEST_REQUIRE(result.status == DecryptStatus::kBadNextHeader);
    BOOST_TEST_REQUIRE(result.next_header == next_header);
    BOOST_TEST_REQUIRE(counters_are(0, expected, 0));
  }
  // The packets were authentic, so their sequence numbers are used up.
  BOOST_TEST(inbound.window().highest() == expected);
  BOOST_TEST(!inbound.window().check(1));
}

BOOST_FIXTURE_TEST_CASE(replays_are_decrypt_errors, Fixture) {
  const auto inner = inner_packet(60, 5);
  const auto packet = encrypted(inner);
  auto first = packet;
  BOOST_TEST(decrypt(*engine, inbound, first.data(), first.size()).status == DecryptStatus::kOk);
  for (int i = 1; i <= 3; ++i) {
    auto again = packet;
    const Decrypted result = decrypt(*engine, inbound, again.data(), again.size());
    BOOST_TEST_REQUIRE(result.status == DecryptStatus::kReplay);
    BOOST_TEST_REQUIRE(result.sequence == 1u);
    BOOST_TEST_REQUIRE(counters_are(0, 0, static_cast<std::uint64_t>(i)));
    // Rejected before decryption: the ciphertext is untouched.
    BOOST_TEST_REQUIRE(again == packet);
  }
}

BOOST_FIXTURE_TEST_CASE(out_of_order_and_left_of_window, Fixture) {
  std::vector<std::vector<std::uint8_t>> packets;
  for (std::size_t i = 0; i < ReplayWindow::kSize + 10; ++i) {
    packets.push_back(encrypted(inner_packet(30, static_cast<std::uint8_t>(i))));
  }
  // Deliver the last one first, then a late one inside the window.
  auto last = packets.back();
  BOOST_TEST(decrypt(*engine, inbound, last.data(), last.size()).status == DecryptStatus::kOk);
  auto late = packets[20];
  const Decrypted result = decrypt(*engine, inbound, late.data(), late.size());
  BOOST_TEST(result.status == DecryptStatus::kOk);
  BOOST_TEST(result.sequence == 21u);
  BOOST_TEST(std::memcmp(late.data() + kHeaderSize, inner_packet(30, 20).data(), 30) == 0);
  // A duplicate inside the window is a replay.
  auto duplicate = packets[20];
  BOOST_TEST(decrypt(*engine, inbound, duplicate.data(), duplicate.size()).status ==
             DecryptStatus::kReplay);
  BOOST_TEST(counters_are(0, 0, 1));
  // Too old: left of the window. RFC 4303 A2 takes a low half below the
  // window to belong to the next 2^32 subspace, so it cannot authenticate;
  // either way it is dropped and counted as a decrypt error.
  auto old = packets[0];
  const Decrypted stale = decrypt(*engine, inbound, old.data(), old.size());
  BOOST_TEST(stale.status == DecryptStatus::kAuthentication);
  BOOST_TEST(stale.sequence == (std::uint64_t{1} << 32) + 1);
  BOOST_TEST(counters_are(0, 0, 2));
  BOOST_TEST(inbound.window().highest() == ReplayWindow::kSize + 10);
}

BOOST_FIXTURE_TEST_CASE(tfc_padding_appends_zeros, Fixture) {
  const auto inner = inner_packet(40, 77);
  // Dirty bytes where the TFC padding goes, to see them zeroed.
  auto buffer = buffer_for(inner, 100);
  std::fill(buffer.begin() + kHeaderSize + 40, buffer.begin() + kHeaderSize + 100, 0x5a);
  const std::size_t length =
      encrypt(*engine, outbound, buffer.data(), inner.size(), kNextHeaderIpv4, 100);
  BOOST_TEST(guard_intact(buffer));
  BOOST_TEST(length == kHeaderSize + 100 + 2 + 2 + kIcvSize);
  const Decrypted result = decrypt(*engine, inbound, buffer.data(), length);
  BOOST_TEST_REQUIRE(result.status == DecryptStatus::kOk);
  BOOST_TEST(result.inner_length == 100u);
  BOOST_TEST(std::memcmp(buffer.data() + kHeaderSize, inner.data(), 40) == 0);
  for (std::size_t i = 40; i < 100; ++i)
    BOOST_TEST_REQUIRE(buffer[kHeaderSize + i] == 0);

  // A TFC length not above the inner length changes nothing.
  auto plain = buffer_for(inner);
  const std::size_t plain_length =
      encrypt(*engine, outbound, plain.data(), inner.size(), kNextHeaderIpv4, 20);
  BOOST_TEST(plain_length == kHeaderSize + 40 + 2 + 2 + kIcvSize);
  const Decrypted second = decrypt(*engine, inbound, plain.data(), plain_length);
  BOOST_TEST(second.status == DecryptStatus::kOk);
  BOOST_TEST(second.inner_length == 40u);
}

BOOST_AUTO_TEST_CASE(outbound_sequence_starts_at_one_or_where_asked) {
  auto engine = make_engine();
  OutboundSa fresh(*engine, parameters());
  BOOST_TEST(fresh.last_sequence() == 0u);
  BOOST_TEST(fresh.next_sequence() == 1u);
  OutboundSa high(*engine, parameters(), 0xfffffffeu);
  BOOST_TEST(high.next_sequence() == 0xfffffffeu);
  BOOST_TEST(high.next_sequence() == 0xffffffffu);
  BOOST_TEST(high.next_sequence() == 0x100000000u);
}

BOOST_AUTO_TEST_CASE(sequence_crosses_two_to_the_32) {
  auto engine = make_engine();
  OutboundSa outbound(*engine, parameters(), 0xffffffffu - 5);
  InboundSa inbound(*engine, parameters());
  inbound.window().update(0xffffffffu - 6);  // as if it had received the previous packets
  for (int i = 0; i < 12; ++i) {
    const auto inner = inner_packet(50, static_cast<std::uint8_t>(i));
    auto buffer = buffer_for(inner);
    const std::size_t length = encrypt(*engine, outbound, buffer.data(), 50, kNextHeaderIpv6);
    const Decrypted result = decrypt(*engine, inbound, buffer.data(), length);
    BOOST_TEST_REQUIRE(result.status == DecryptStatus::kOk);
    BOOST_TEST_REQUIRE(result.sequence == 0xffffffffu - 5 + static_cast<std::uint64_t>(i));
    BOOST_TEST_REQUIRE(std::memcmp(buffer.data() + kHeaderSize, inner.data(), 50) == 0);
  }
  BOOST_TEST(inbound.window().highest() > 0xffffffffu);
}
