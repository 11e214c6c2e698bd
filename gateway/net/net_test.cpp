#define BOOST_TEST_MODULE net
#include <boost/test/unit_test.hpp>

#include "net/address.hpp"

using namespace strait::net;

BOOST_AUTO_TEST_CASE(addresses_parse_both_families) {
  auto v4 = Address::parse("10.70.0.1");
  BOOST_REQUIRE(v4);
  BOOST_TEST((v4->family == Family::kIpv4));
  BOOST_TEST(v4->bytes[0] == 10);
  BOOST_TEST(v4->bytes[4] == 0);  // IPv4 fills the first 4 bytes only
  BOOST_TEST(v4->to_string() == "10.70.0.1");
  auto v6 = Address::parse("2001:db8::1");
  BOOST_REQUIRE(v6);
  BOOST_TEST((v6->family == Family::kIpv6));
  BOOST_TEST(v6->bytes[15] == 1);
  BOOST_TEST(!Address::parse("10.0.0").has_value());
  BOOST_TEST(!Address::parse("10.0.0.256").has_value());
  BOOST_TEST(!Address::parse("").has_value());
  BOOST_TEST(!Address::parse("2001:db8:::1").has_value());
}

BOOST_AUTO_TEST_CASE(prefixes_reject_host_bits_and_bad_lengths) {
  auto p = Prefix::parse("10.1.0.0/16");
  BOOST_REQUIRE(p);
  BOOST_TEST(p->length == 16);
  BOOST_TEST(p->to_string() == "10.1.0.0/16");
  BOOST_TEST(!Prefix::parse("10.1.0.1/16").has_value());
  BOOST_TEST(!Prefix::parse("10.1.0.0/33").has_value());
  BOOST_TEST(!Prefix::parse("10.1.0.0").has_value());
  BOOST_TEST(!Prefix::parse("10.1.0.0/").has_value());
  BOOST_TEST(!Prefix::parse("10.1.0.0/1x").has_value());
  BOOST_TEST(Prefix::parse("2001:db8::/32").has_value());
  BOOST_TEST(!Prefix::parse("2001:db8::/129").has_value());
  BOOST_TEST(Prefix::parse("0.0.0.0/0").has_value());
}

BOOST_AUTO_TEST_CASE(macs_parse_and_format) {
  auto m = Mac::parse("0a:CC:b1:e4:24:d2");
  BOOST_REQUIRE(m);
  BOOST_TEST(m->to_string() == "0a:cc:b1:e4:24:d2");
  BOOST_TEST(!m->is_multicast());
  BOOST_TEST(kBroadcastMac.is_broadcast());
  BOOST_TEST(!Mac::parse("0a:cc:b1:e4:24").has_value());
  BOOST_TEST(!Mac::parse("0a-cc-b1-e4-24-d2").has_value());
  BOOST_TEST(!Mac::parse("0a:cc:b1:e4:24:dz").has_value());
}

#include "net/checksum.hpp"
#include "net/headers.hpp"

BOOST_AUTO_TEST_CASE(checksum_matches_rfc1071_example) {
  // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0xddf2.
  const std::uint8_t data[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  BOOST_TEST(checksum_finish(checksum_partial(data, 8)) == static_cast<std::uint16_t>(~0xddf2));
  // Odd lengths pad with a zero byte.
  const std::uint8_t odd[] = {0x12, 0x34, 0x56};
  BOOST_TEST(checksum(odd, 3) == static_cast<std::uint16_t>(~(0x1234 + 0x5600)));
}

BOOST_AUTO_TEST_CASE(ipv4_header_checksum_verifies_to_zero) {
  // Header of the vectors' inner packet: 45000022 00010000 3f016449 0a470202 0a470102.
  const std::uint8_t h[] = {0x45, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00, 0x3f, 0x01,
                            0x64, 0x49, 0x0a, 0x47, 0x02, 0x02, 0x0a, 0x47, 0x01, 0x02};
  BOOST_TEST(checksum(h, sizeof h) == 0u);
  std::uint8_t copy[20];
  std::memcpy(copy, h, 20);
  copy[10] = copy[11] = 0;
  BOOST_TEST(checksum(copy, 20) == 0x6449u);
}

BOOST_AUTO_TEST_CASE(incremental_update_equals_recomputation) {
  std::uint8_t h[] = {0x45, 0x00, 0x00, 0x22, 0x00, 0x01, 0x00, 0x00, 0x3f, 0x01,
                      0x64, 0x49, 0x0a, 0x47, 0x02, 0x02, 0x0a, 0x47, 0x01, 0x02};
  for (int ttl = 0x3f; ttl > 0; --ttl) {
    const std::uint16_t old_word = load16(h + 8);
    h[8] = static_cast<std::uint8_t>(ttl - 1);
    store16(h + 10, checksum_adjust(load16(h + 10), old_word, load16(h + 8)));
    BOOST_TEST(checksum(h, 20) == 0u);
  }
}

BOOST_AUTO_TEST_CASE(unrolled_ipv4_header_checksum_equals_generic) {
  std::uint32_t state = 12345;
  for (int round = 0; round < 10000; ++round) {
    std::uint8_t h[20];
    for (auto& b : h) {
      state = state * 1103515245u + 12345u;
      b = static_cast<std::uint8_t>(state >> 16);
    }
    if (round % 3 == 0) std::memset(h, 0xff, 20);  // folding corner cases
    if (round % 3 == 1) std::memset(h, 0, 20);
    BOOST_TEST(ipv4_header_checksum(h) == checksum(h, 20));
  }
}
