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
