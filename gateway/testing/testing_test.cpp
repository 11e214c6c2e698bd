#define BOOST_TEST_MODULE testing
// The test doubles checked against known bytes and against each other.
#include <boost/test/unit_test.hpp>

#include "net/headers.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"

using namespace strait;
using namespace strait::testing;

BOOST_AUTO_TEST_CASE(ipv4_header_matches_a_known_header) {
  // The classic example header: 4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7.
  IpOptions o;
  o.dont_fragment = true;
  const Bytes packet = ip_packet(ip("192.168.0.1"), ip("192.168.0.199"), 17, Bytes(95, 0), o);
  const Bytes expected = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                          0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
  BOOST_TEST(Bytes(packet.begin(), packet.begin() + 20) == expected);
  o.bad_checksum = true;
  const auto bad = parse_ip(ip_packet(ip("192.168.0.1"), ip("192.168.0.199"), 17, Bytes(95), o));
  BOOST_TEST_REQUIRE(bad.has_value());
  BOOST_TEST(!bad->header_checksum_ok);
}

BOOST_AUTO_TEST_CASE(builders_and_parsers_agree) {
  for (const char* pair : {"10.0.0.1 10.0.0.2", "2001:db8::1 2001:db8::2"}) {
    const std::string text(pair);
    const auto space = text.find(' ');
    const net::Address a = ip(text.substr(0, space)), b = ip(text.substr(space + 1));
    IpOptions o;
    o.ttl = 9;
    const Bytes frame = ip_frame(mac("02:00:00:00:00:01"), mac("02:00:00:00:00:02"),
                                 udp_packet(a, b, 1000, 2000, pattern(33), o));
    const auto v = parse_ip_frame(frame);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST(v->source.to_string() == a.to_string());
    BOOST_TEST(v->destination.to_string() == b.to_string());
    BOOST_TEST(v->ttl == 9);
    BOOST_TEST(v->header_checksum_ok);
    const auto u = parse_udp(*v);
    BOOST_TEST_REQUIRE(u.has_value());
    BOOST_TEST(u->checksum_ok);
    BOOST_TEST(u->source_port == 1000);
    BOOST_TEST(u->payload == pattern(33));
    const auto echo = parse_ip(echo_request(a, b, 7, 8, pattern(5)));
    const auto m = parse_icmp(*echo);
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(m->checksum_ok);
    BOOST_TEST(m->rest == 0x00070008u);
    BOOST_TEST(!parse_icmp(*parse_ip(icmp_packet(a, b, 8, 0, 0, {}, {}, true)))->checksum_ok);
    // TTL rewrite keeps the header valid.
    const auto lowered = parse_ip(with_ttl(v->packet, 3));
    BOOST_TEST(lowered->ttl == 3);
    BOOST_TEST(lowered->header_checksum_ok);
  }
  BOOST_TEST(!parse_ip(Bytes{0x45, 0, 0, 40}).has_value());  // truncated
}

BOOST_AUTO_TEST_CASE(neighbor_discovery_and_arp_round_trip) {
  const net::Address target = ip("2001:db8::1:2:3");
  BOOST_TEST(solicited_node(target).to_string() == "ff02::1:ff02:3");
  BOOST_TEST(multicast_mac(solicited_node(target)).to_string() == "33:33:ff:02:00:03");
  const auto ns = parse_ip(neighbor_solicitation(ip("2001:db8::9"), solicited_node(target), target,
                                                 mac("02:00:00:00:00:09")));
  const auto n = parse_neighbor(*ns);
  BOOST_TEST_REQUIRE(n.has_value());
  BOOST_TEST(n->type == 135);
  BOOST_TEST(n->target.to_string() == target.to_string());
  BOOST_TEST(n->link->to_string() == "02:00:00:00:00:09");
  BOOST_TEST(ns->ttl == 255);
  BOOST_TEST(parse_icmp(*ns)->checksum_ok);
  const auto arp = parse_arp_frame(arp_frame(net::kBroadcastMac, mac("02:00:00:00:00:01"), 1,
                                             mac("02:00:00:00:00:01"), ip("10.0.0.1"), net::Mac{},
                                             ip("10.0.0.2")));
  BOOST_TEST_REQUIRE(arp.has_value());
  BOOST_TEST(arp->operation == 1);
  BOOST_TEST(arp->target_ip.to_string() == "10.0.0.2");
}

BOOST_AUTO_TEST_CASE(esp_peers_with_mirrored_sas_talk) {
  const Site p = paris(net::Family::kIpv4), t = tokyo(net::Family::kIpv4);
  EspPeer at_paris(p.outbound, t.outbound), at_tokyo(t.outbound, p.outbound);
  const Bytes inner = udp_packet(p.host_ip, t.host_ip, 1, 2, pattern(77));
  const auto opened = at_tokyo.open(at_paris.seal(inner));
  BOOST_TEST_REQUIRE(opened.status == esp::DecryptStatus::kOk);
  BOOST_TEST(opened.inner == inner);
  BOOST_TEST(opened.sequence == 1u);
  BOOST_TEST(opened.spi == p.outbound.spi);
  // seal_plaintext is the same transform as esp::encrypt, given the
  // plaintext esp::encrypt builds: inner, padding 1 2 3.., pad length, 4.
  Bytes plaintext = inner;
  const std::size_t pad = (0 - (inner.size() + 2)) & 3;
  for (std::size_t i = 1; i <= pad; ++i)
    plaintext.push_back(static_cast<std::uint8_t>(i));
  plaintext.push_back(static_cast<std::uint8_t>(pad));
  plaintext.push_back(4);
  BOOST_TEST_REQUIRE(plaintext.size() % 4 == 0u);
  EspPeer again(p.outbound, t.outbound);
  BOOST_TEST(again.seal_plaintext(1, plaintext) == again.seal_at(1, inner, 4));
  // Replays are refused by the receiving peer too.
  BOOST_TEST(at_tokyo.open(at_paris.seal_at(1, inner, 4)).status == esp::DecryptStatus::kReplay);
}

BOOST_AUTO_TEST_CASE(harness_config_errors_are_reported) {
  BOOST_CHECK_THROW(GatewayHarness("mtu 1500;"), std::runtime_error);
  const Site p = paris(net::Family::kIpv4), t = tokyo(net::Family::kIpv4);
  HarnessOptions o;
  o.queue = 9;  // no such queue
  BOOST_CHECK_THROW(GatewayHarness(site_config(p, t), o), std::runtime_error);
  GatewayHarness h(site_config(p, t));
  BOOST_CHECK_THROW(h.send_private(Bytes(h.pool().max_frame_length() + 1)), std::runtime_error);
  BOOST_TEST(h.pool().available() == h.pool().count());
}
