#define BOOST_TEST_MODULE config
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "base/secure_heap.hpp"
#include "config/file_access.hpp"
#include "config/interface_change.hpp"
#include "config/load.hpp"
#include "config/syntax_tree.hpp"
#include "config/warnings.hpp"

using namespace strait;
using namespace strait::config;

namespace {

const std::string kTestdata = STRAIT_SOURCE_DIR "/gateway/config/testdata/";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string ip(const net::Address& a) {
  return a.to_string();
}

std::string mac(const net::Mac& m) {
  return m.to_string();
}

// "" when the document loads, else the error message.
std::string error_of(std::string_view text) {
  auto config = load(text, "t.conf");
  return config.ok() ? std::string() : config.error().message;
}

// The message is located at `where` ("t.conf:3:5") and mentions `what`.
bool fails_at(std::string_view text, std::string_view where, std::string_view what) {
  const std::string message = error_of(text);
  const std::string prefix = std::string(where) + ": ";
  const bool ok = message.rfind(prefix, 0) == 0 && message.find(what) != std::string::npos;
  if (!ok) BOOST_TEST_MESSAGE("got: \"" << message << "\"");
  return ok;
}

// Lines 1 and 2 of most test documents.
const std::string kPrivate4 =
    "private-interface4 { ifname eth1; ip 10.0.1.10; nexthop-ip 10.0.1.1; }\n";
const std::string kPublic4 =
    "public-interface4 { ifname eth2; ip 10.0.2.10; nexthop-ip 10.0.2.1; }\n";
const std::string kBase = kPrivate4 + kPublic4;

const std::string kKey = "ACAB129A5D1E2F3B4C6D7E8F9A0B1C2D3E4F5061728394A5B6C7D8E9F0A1B2C3";
const std::string kOtherKey = "0011223344556677889900112233445566778899001122334455667788990011";
const std::string kSaKey = "00112233445566778899aabbccddeeff";
const std::string kSalt = "a0a1a2a3";

std::string route(std::string_view id, std::string_view net, std::string_view key,
                  std::string_view spi, std::string_view extra = "") {
  return "route4 { id " + std::string(id) + "; gateway { ip 10.0.9.1; } net " + std::string(net) +
         "; preshared-key \"" + std::string(key) + "\"; spi " + std::string(spi) + ";" +
         std::string(extra) + " }\n";
}

// Every mandatory route leaf but the gateways.
const std::string kRouteLeaves = " id x; net 10.9.0.0/16; preshared-key " + kKey + "; spi 300;";

const std::string kRoute = route("tokyo", "10.9.0.0/16", kKey, "1234");

std::string sa(std::string_view list, std::string_view fields) {
  return std::string(list) + " { " + std::string(fields) + " }\n";
}

std::string sa_fields(std::string_view spi, std::string_view queue = "1",
                      std::string_view route_id = "tokyo") {
  return "route " + std::string(route_id) + "; spi " + std::string(spi) +
         "; aead aes-gcm-16-icv; key " + kSaKey + "; salt " + kSalt + "; queue " +
         std::string(queue) + ";";
}

}  // namespace

// ---------------------------------------------------------------- fixtures

BOOST_AUTO_TEST_CASE(paris_fixture_loads_with_seed_values) {
  auto c = load_file(kTestdata + "vita-paris.conf");
  if (!c.ok()) BOOST_FAIL(c.error().message);
  BOOST_TEST((c->family == net::Family::kIpv4));
  BOOST_TEST(c->private_interface.ifname.value_or("") == "eth1");
  BOOST_TEST(!c->private_interface.pci.has_value());
  BOOST_TEST(mac(c->private_interface.mac) == "0a:cc:b1:e4:24:d2");
  BOOST_TEST(ip(c->private_interface.ip) == "172.31.1.10");
  BOOST_TEST(ip(c->private_interface.nexthop_ip) == "172.31.1.1");
  BOOST_TEST(!c->private_interface.nexthop_mac.has_value());

  BOOST_REQUIRE(c->public_interfaces.size() == 2u);
  const auto& eth2 = c->public_interfaces[0];
  const auto& eth3 = c->public_interfaces[1];
  BOOST_TEST(eth2.ifname.value_or("") == "eth2");
  BOOST_TEST(eth2.queue == 1);
  BOOST_TEST(eth2.device_queue.value_or(0) == 1);
  BOOST_TEST(mac(eth2.mac) == "0a:42:13:9e:a8:ae");
  BOOST_TEST(ip(eth2.ip) == "172.31.2.10");
  BOOST_TEST(ip(eth2.nexthop_ip) == "172.31.2.1");
  BOOST_TEST(!eth2.nat_ip.has_value());
  BOOST_TEST(ip(eth2.identity()) == "172.31.2.10");
  BOOST_TEST(eth3.ifname.value_or("") == "eth3");
  BOOST_TEST(eth3.queue == 2);
  BOOST_TEST(eth3.device_queue.value_or(0) == 1);
  BOOST_TEST(mac(eth3.mac) == "0a:33:39:04:9c:ac");
  BOOST_TEST(ip(eth3.ip) == "172.31.3.10");

  BOOST_TEST(c->mtu == 1440);
  BOOST_REQUIRE(c->routes.size() == 1u);
  const auto& tokyo = c->routes[0];
  BOOST_TEST(tokyo.id == "tokyo");
  BOOST_TEST(tokyo.net.to_string() == "172.32.0.0/16");
  BOOST_TEST(tokyo.spi == 1234u);
  BOOST_TEST(base::encode_hex(tokyo.preshared_key.span()) ==
             "acab129a5d1e2f3b4c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3");
  BOOST_REQUIRE(tokyo.gateways.size() == 2u);
  BOOST_TEST(ip(tokyo.gateways[0].ip) == "13.230.1.10");
  BOOST_TEST(tokyo.gateways[0].queue == 1);
  BOOST_TEST(ip(tokyo.gateways[1].ip) == "13.230.1.11");
  BOOST_TEST(tokyo.gateways[1].queue == 2);

  // Defaults.
  BOOST_TEST(!c->tfc);
  BOOST_TEST(c->protocol_port == 303);
  BOOST_TEST(c->negotiation_ttl == 5u);
  BOOST_TEST(c->sa_ttl == 600u);
  BOOST_TEST(!c->data_plane);
  BOOST_TEST(c->outbound_sas.empty());
  BOOST_TEST(c->inbound_sas.empty());
}

BOOST_AUTO_TEST_CASE(tokyo_fixture_mirrors_paris) {
  auto paris = load_file(kTestdata + "vita-paris.conf");
  auto tokyo = load_file(kTestdata + "vita-tokyo.conf");
  if (!tokyo.ok()) BOOST_FAIL(tokyo.error().message);
  BOOST_REQUIRE(paris.ok());
  BOOST_REQUIRE(tokyo->routes.size() == 1u);
  const auto& route_to_paris = tokyo->routes[0];
  BOOST_TEST(route_to_paris.id == "paris");
  BOOST_TEST(route_to_paris.spi == paris->routes[0].spi);
  BOOST_TEST((route_to_paris.preshared_key == paris->routes[0].preshared_key));
  // Each side's gateways are the other side's public interfaces, queue by queue.
  BOOST_REQUIRE(tokyo->public_interfaces.size() == 2u);
  for (std::size_t q = 0; q < 2; ++q) {
    BOOST_TEST(ip(route_to_paris.gateways[q].ip) == ip(paris->public_interfaces[q].ip));
    BOOST_TEST(ip(paris->routes[0].gateways[q].ip) == ip(tokyo->public_interfaces[q].ip));
    BOOST_TEST(route_to_paris.gateways[q].queue == tokyo->public_interfaces[q].queue);
  }
  BOOST_TEST(route_to_paris.net.to_string() == "172.31.1.0/24");
  BOOST_TEST(tokyo->mtu == 1440);
}

BOOST_AUTO_TEST_CASE(ipv6_fixture_loads_with_derived_macs_and_all_leaves) {
  auto c = load_file(kTestdata + "vita-paris6.conf");
  if (!c.ok()) BOOST_FAIL(c.error().message);
  BOOST_TEST((c->family == net::Family::kIpv6));
  BOOST_TEST(c->private_interface.pci.value_or("") == "0000:00:06.0");
  BOOST_TEST(!c->private_interface.ifname.has_value());
  BOOST_TEST(ip(c->private_interface.ip) == "2001:db8:1::10");
  // 2a:bb: + the last 4 bytes of 2001:db8:1::10.
  BOOST_TEST(mac(c->private_interface.mac) == "2a:bb:00:00:00:10");
  BOOST_REQUIRE(c->public_interfaces.size() == 1u);
  const auto& pub = c->public_interfaces[0];
  BOOST_TEST(pub.pci.value_or("") == "0000:00:07.0");  // short form qualified
  BOOST_TEST(mac(pub.mac) == "3a:bb:00:00:00:10");
  BOOST_REQUIRE(pub.nexthop_mac.has_value());
  BOOST_TEST(mac(*pub.nexthop_mac) == "52:54:00:12:34:56");
  BOOST_REQUIRE(pub.nat_ip.has_value());
  BOOST_TEST(ip(pub.identity()) == "2001:db8:ff::10");
  BOOST_TEST(pub.queue == 1);
  BOOST_TEST(!pub.device_queue.has_value());

  BOOST_REQUIRE(c->routes.size() == 2u);
  BOOST_TEST(c->routes[0].id == "tokyo");
  BOOST_TEST(c->routes[0].net.to_string() == "2001:db8:32::/48");
  // Spaced key decodes to the same bytes as the paris fixture's key.
  BOOST_TEST(base::encode_hex(c->routes[0].preshared_key.span()) ==
             "acab129a5d1e2f3b4c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3");
  BOOST_TEST(c->routes[0].gateways[0].queue == 1);  // default
  BOOST_TEST(c->routes[1].id == "new_york_2");
  BOOST_TEST(c->routes[1].spi == 4294967295u);
  BOOST_TEST(ip(c->routes[1].gateways[0].ip) == "2001:db8:4::10");

  BOOST_TEST(c->mtu == 1280);
  BOOST_TEST(c->tfc);
  BOOST_TEST(c->protocol_port == 4303);
  BOOST_TEST(c->negotiation_ttl == 10u);
  BOOST_TEST(c->sa_ttl == 3600u);
  BOOST_TEST(!c->data_plane);
}

BOOST_AUTO_TEST_CASE(data_plane_fixture_loads_security_associations_in_order) {
  auto c = load_file(kTestdata + "vita-data-plane.conf");
  if (!c.ok()) BOOST_FAIL(c.error().message);
  BOOST_TEST(c->data_plane);
  // Derived MACs for IPv4: the 4 bytes of the address.
  BOOST_TEST(mac(c->private_interface.mac) == "2a:bb:0a:0a:01:0a");
  BOOST_REQUIRE(c->public_interfaces.size() == 2u);
  BOOST_TEST(mac(c->public_interfaces[0].mac) == "3a:bb:0a:14:01:0a");
  BOOST_TEST(mac(c->public_interfaces[1].mac) == "3a:bb:0a:14:01:0b");
  BOOST_TEST(c->public_interfaces[0].queue == 1);
  BOOST_TEST(c->public_interfaces[1].queue == 2);
  BOOST_TEST(c->mtu == 8923);

  BOOST_REQUIRE(c->outbound_sas.size() == 2u);
  const auto& out1 = c->outbound_sas[0];
  BOOST_TEST(out1.route == "peer");
  BOOST_TEST(out1.spi == 1001u);
  BOOST_TEST(base::encode_hex(out1.key.span()) == "00112233445566778899aabbccddeeff");
  BOOST_TEST(base::encode_hex(out1.salt.span()) == "a0a1a2a3");
  BOOST_TEST(out1.queue == 1);
  BOOST_TEST(c->outbound_sas[1].spi == 1002u);
  BOOST_TEST(c->outbound_sas[1].queue == 2);
  BOOST_TEST(base::encode_hex(c->outbound_sas[1].salt.span()) == "b0b1b2b3");

  BOOST_REQUIRE(c->inbound_sas.size() == 2u);  // two for one route and queue: allowed
  BOOST_TEST(c->inbound_sas[0].spi == 2001u);
  BOOST_TEST(c->inbound_sas[1].spi == 2002u);
  BOOST_TEST(base::encode_hex(c->inbound_sas[1].key.span()) == "2f3e4d5c6b7a89980123456789abcdef");
  BOOST_TEST(c->inbound_sas[1].queue == 1);
}

BOOST_AUTO_TEST_CASE(minimal_document_gets_every_default) {
  auto c = load(kBase, "t.conf");
  if (!c.ok()) BOOST_FAIL(c.error().message);
  BOOST_TEST(c->routes.empty());
  BOOST_TEST(mac(c->private_interface.mac) == "2a:bb:0a:00:01:0a");
  BOOST_TEST(mac(c->public_interfaces[0].mac) == "3a:bb:0a:00:02:0a");
  BOOST_TEST(c->public_interfaces[0].queue == 1);
  BOOST_TEST(c->mtu == 8923);
  BOOST_TEST(!c->tfc);
  BOOST_TEST(c->protocol_port == 303);
  BOOST_TEST(c->negotiation_ttl == 5u);
  BOOST_TEST(c->sa_ttl == 600u);
  BOOST_TEST(!c->data_plane);
}

BOOST_AUTO_TEST_CASE(comments_quotes_and_layout_do_not_matter) {
  const std::string text =
      "/* header\n   comment */ private-interface4{ifname \"eth1\";ip '10.0.1.10';"
      "nexthop-ip 10.0.1.1;} // trailing\n"
      "public-interface4 {\n  // a comment { ; }\n  ifname eth2; ip \"10.0.2.10\";\n"
      "  nexthop-ip 10.0.2.1; /* inline */ queue \"7\";\n}\n"
      "tfc \"false\"; mtu 0; sa-ttl 4294967295;\n";
  auto c = load(text, "t.conf");
  if (!c.ok()) BOOST_FAIL(c.error().message);
  BOOST_TEST(c->private_interface.ifname.value_or("") == "eth1");
  BOOST_TEST(ip(c->private_interface.ip) == "10.0.1.10");
  BOOST_TEST(c->public_interfaces[0].queue == 7);
  BOOST_TEST(c->mtu == 0);
  BOOST_TEST(c->sa_ttl == 4294967295u);
}

BOOST_AUTO_TEST_CASE(load_file_names_a_missing_file) {
  const std::string path = kTestdata + "no-such-file.conf";
  auto c = load_file(path);
  BOOST_REQUIRE(!c.ok());
  BOOST_TEST(c.error().message.rfind(path + ": cannot open configuration file", 0) == 0u,
             c.error().message);
  auto dir = load_file(kTestdata);
  BOOST_REQUIRE(!dir.ok());
  BOOST_TEST(dir.error().message.rfind(kTestdata + ": cannot", 0) == 0u, dir.error().message);
}

BOOST_AUTO_TEST_CASE(load_file_errors_name_the_path) {
  auto c = load_file(kTestdata + "vita-paris.conf");
  BOOST_REQUIRE(c.ok());
  const std::string text = read_text(kTestdata + "vita-paris.conf");
  auto bad = load(text + "bogus 1;\n", kTestdata + "vita-paris.conf");
  BOOST_REQUIRE(!bad.ok());
  BOOST_TEST(
      bad.error().message.rfind(kTestdata + "vita-paris.conf:32:1: unknown name 'bogus'", 0) == 0u,
      bad.error().message);
}

// ---------------------------------------------------------------- syntax errors

BOOST_AUTO_TEST_CASE(syntax_errors_are_located) {
  BOOST_TEST(fails_at(kBase + "mtu 1440\ntfc true;\n", "t.conf:4:1",
                      "expected ';' after the value of 'mtu'"));
  BOOST_TEST(
      fails_at(kBase + "route4 {\n  net \"10.1.0.0/16;\n}\n", "t.conf:4:7", "unterminated string"));
  BOOST_TEST(fails_at(kBase + "/* no end\nmtu 1;\n", "t.conf:3:1", "unterminated comment"));
  BOOST_TEST(fails_at(kBase + "route4 {\n  id x;\n", "t.conf:5:1",
                      "expected '}' to close 'route4' opened at 3:1"));
}

// ---------------------------------------------------------------- structure

BOOST_AUTO_TEST_CASE(unknown_names_are_located) {
  BOOST_TEST(fails_at(kBase + "mtux 1;\n", "t.conf:3:1", "unknown name 'mtux' at top level"));
  BOOST_TEST(fails_at("private-interface4 { ifname eth1; ipp 10.0.1.10; }\n" + kPublic4,
                      "t.conf:1:35", "unknown name 'ipp' in 'private-interface4'"));
  // nat-ip and queue belong to public interfaces only.
  BOOST_TEST(fails_at("private-interface4 { queue 1; }\n" + kPublic4, "t.conf:1:22",
                      "unknown name 'queue' in 'private-interface4'"));
  BOOST_TEST(fails_at(kBase + route("a", "10.9.0.0/16", kKey, "300", " mtu 1;"), "t.conf:3:149",
                      "unknown name 'mtu' in 'route4'"));
}

BOOST_AUTO_TEST_CASE(leaves_and_containers_are_used_as_such) {
  BOOST_TEST(fails_at(kBase + "mtu { }\n", "t.conf:3:1", "'mtu' is a leaf"));
  BOOST_TEST(fails_at(kBase + "mtu;\n", "t.conf:3:1", "'mtu': expected a value"));
  BOOST_TEST(fails_at(kBase + "route4 tokyo;\n", "t.conf:3:8", "'route4': expected '{'"));
  BOOST_TEST(fails_at(kBase + "route4;\n", "t.conf:3:1", "'route4': expected a block"));
}

BOOST_AUTO_TEST_CASE(every_leaf_at_most_once) {
  BOOST_TEST(fails_at(kBase + "mtu 1;\nmtu 2;\n", "t.conf:4:1", "duplicate 'mtu' (first at 3:1)"));
  BOOST_TEST(fails_at("private-interface4 { ifname eth1; ifname eth2; }\n" + kPublic4,
                      "t.conf:1:35", "duplicate 'ifname' (first at 1:22)"));
  BOOST_TEST(
      fails_at(kBase + kPrivate4, "t.conf:3:1", "duplicate 'private-interface4' (first at 1:1)"));
  BOOST_TEST(fails_at(
      kBase + "route4 { gateway { ip 10.0.9.1; queue 1; queue 2; }" + kRouteLeaves + " }\n",
      "t.conf:3:42", "duplicate 'queue'"));
}

BOOST_AUTO_TEST_CASE(exactly_one_address_family_set) {
  BOOST_TEST(
      fails_at(kBase + "route6 { id x; }\n", "t.conf:3:1",
               "'route6': the IPv4 and IPv6 sets are exclusive ('private-interface4' at 1:1)"));
  // A public-interface6 may serve a queue of an IPv4 gateway (dual-stack,
  // dual_stack_config_test.cpp); two private networks may not.
  BOOST_TEST(fails_at(kBase + "private-interface6 { }\n", "t.conf:3:1",
                      "'private-interface6': the IPv4 and IPv6 sets are exclusive"));
  BOOST_TEST(fails_at("mtu 1440;\n", "t.conf:1:1", "expected the IPv4 set"));
  BOOST_TEST(fails_at("", "t.conf:1:1", "or the IPv6 set"));
}

BOOST_AUTO_TEST_CASE(mandatory_containers_and_lists) {
  BOOST_TEST(fails_at(kPublic4, "t.conf:1:1", "missing mandatory container 'private-interface4'"));
  BOOST_TEST(fails_at(kPrivate4, "t.conf:1:1", "at least one 'public-interface4' is required"));
  BOOST_TEST(
      fails_at(kBase + "route4 { id x; net 10.9.0.0/16; preshared-key " + kKey + "; spi 300; }\n",
               "t.conf:3:1", "'route4': at least one 'gateway' is required"));
}

BOOST_AUTO_TEST_CASE(missing_mandatory_leaf_points_at_its_container) {
  BOOST_TEST(fails_at("private-interface4 { ifname eth1; nexthop-ip 10.0.1.1; }\n" + kPublic4,
                      "t.conf:1:1", "'private-interface4': missing mandatory leaf 'ip'"));
  BOOST_TEST(fails_at(kPrivate4 + "\n  public-interface4 { ifname eth2; ip 10.0.2.10; }\n",
                      "t.conf:3:3", "'public-interface4': missing mandatory leaf 'nexthop-ip'"));
  BOOST_TEST(fails_at("private-interface4 { ip 10.0.1.10; nexthop-ip 10.0.1.1; }\n" + kPublic4,
                      "t.conf:1:1", "missing mandatory leaf 'ifname' or 'pci'"));
  BOOST_TEST(fails_at(kBase + "route4 { id x; gateway { ip 10.0.9.1; } net 10.9.0.0/16; spi 300; }",
                      "t.conf:3:1", "'route4': missing mandatory leaf 'preshared-key'"));
  BOOST_TEST(fails_at(kBase + "route4 {\n gateway { queue 1; }\n" + kRouteLeaves + "}",
                      "t.conf:4:2", "'gateway': missing mandatory leaf 'ip'"));
  BOOST_TEST(fails_at(kBase + kRoute +
                          "outbound-sa { route tokyo; spi 300; aead aes-gcm-16-icv; "
                          "salt " +
                          kSalt + "; }\n",
                      "t.conf:4:1", "'outbound-sa': missing mandatory leaf 'key'"));
}

// ---------------------------------------------------------------- values

BOOST_AUTO_TEST_CASE(interface_values) {
  const std::string tail = " ip 10.0.1.10; nexthop-ip 10.0.1.1; }\n" + kPublic4;
  BOOST_TEST(fails_at("private-interface4 { ifname eth1; pci 00:06.0;" + tail, "t.conf:1:35",
                      "'pci' and 'ifname' are exclusive"));
  BOOST_TEST(fails_at("private-interface4 { ifname abcdefghijklmnop;" + tail, "t.conf:1:29",
                      "'ifname': expected an interface name of 1-15 characters"));
  BOOST_TEST(load("private-interface4 { ifname abcdefghijklmno;" + tail, "t.conf").ok());
  BOOST_TEST(fails_at("private-interface4 { ifname eth/1;" + tail, "t.conf:1:29", "'ifname'"));
  BOOST_TEST(fails_at("private-interface4 { ifname \"eth 1\";" + tail, "t.conf:1:29", "'ifname'"));
  BOOST_TEST(fails_at("private-interface4 { ifname \"\";" + tail, "t.conf:1:29", "'ifname'"));
  BOOST_TEST(fails_at("private-interface4 { pci 00:06.8;" + tail, "t.conf:1:26",
                      "'pci': expected a PCI address"));
  BOOST_TEST(fails_at("private-interface4 { pci 0000:00:06;" + tail, "t.conf:1:26", "'pci'"));
  BOOST_TEST(
      fails_at("private-interface4 { ifname eth1; ip 10.0.1; nexthop-ip 10.0.1.1; }\n" + kPublic4,
               "t.conf:1:38", "'ip': expected an IPv4 address"));
  BOOST_TEST(
      fails_at("private-interface4 { ifname eth1; ip 10.0.1.10; nexthop-ip ::1; }\n" + kPublic4,
               "t.conf:1:60", "'nexthop-ip': expected an IPv4 address, found an IPv6"));
  BOOST_TEST(fails_at("private-interface4 { ifname eth1; mac 0a:cc:b1:e4:24;" + tail, "t.conf:1:39",
                      "'mac': expected a MAC address"));
  BOOST_TEST(fails_at("private-interface4 { ifname eth1; nexthop-mac x;" + tail, "t.conf:1:47",
                      "'nexthop-mac': expected a MAC address"));
}

BOOST_AUTO_TEST_CASE(public_interface_values) {
  const std::string head =
      kPrivate4 + "public-interface4 { ifname eth2; ip 10.0.2.10; nexthop-ip 10.0.2.1;";
  // Line 2 column 69 is where the extra leaf starts, its value at 69 + name + 1.
  BOOST_TEST(
      fails_at(head + " queue 0; }", "t.conf:2:75", "'queue': expected an integer in 1..65535"));
  BOOST_TEST(fails_at(head + " queue 65536; }", "t.conf:2:75", "1..65535"));
  BOOST_TEST(load(head + " queue 65535; }", "t.conf").ok());
  BOOST_TEST(fails_at(head + " device-queue 0; }", "t.conf:2:82", "'device-queue': expected"));
  BOOST_TEST(fails_at(head + " nat-ip 2001:db8::1; }", "t.conf:2:76",
                      "'nat-ip': expected an IPv4 address, found an IPv6 address"));
}

BOOST_AUTO_TEST_CASE(integers_are_decimal_range_checked_and_never_overflow) {
  BOOST_TEST(fails_at(kBase + "mtu 8924;", "t.conf:3:5", "'mtu': expected an integer in 0..8923"));
  BOOST_TEST(load(kBase + "mtu 8923;", "t.conf").ok());
  BOOST_TEST(fails_at(kBase + "mtu -1;", "t.conf:3:5", "0..8923"));
  BOOST_TEST(fails_at(kBase + "mtu +1;", "t.conf:3:5", "0..8923"));
  BOOST_TEST(fails_at(kBase + "mtu 0x10;", "t.conf:3:5", "0..8923"));
  BOOST_TEST(fails_at(kBase + "mtu \"\";", "t.conf:3:5", "0..8923"));
  BOOST_TEST(fails_at(kBase + "mtu 1.5;", "t.conf:3:5", "0..8923"));
  // 2^64 + 1440 would wrap to 1440 in 64-bit arithmetic.
  BOOST_TEST(fails_at(kBase + "mtu 18446744073709553056;", "t.conf:3:5", "0..8923"));
  BOOST_TEST(fails_at(kBase + "sa-ttl 4294967296;", "t.conf:3:8", "1..4294967295"));
  BOOST_TEST(fails_at(kBase + "sa-ttl 0;", "t.conf:3:8", "'sa-ttl'"));
  BOOST_TEST(fails_at(kBase + "negotiation-ttl 0;", "t.conf:3:17", "'negotiation-ttl'"));
  BOOST_TEST(fails_at(kBase + "protocol-port 0;", "t.conf:3:15", "1..65535"));
  BOOST_TEST(fails_at(kBase + "protocol-port 65536;", "t.conf:3:15", "1..65535"));
  BOOST_TEST(fails_at(kBase + "protocol-port 99999999999999999999999999;", "t.conf:3:15",
                      "'protocol-port'"));
  auto c = load(kBase + "protocol-port 000065535; negotiation-ttl 4294967295;", "t.conf");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->protocol_port == 65535);
  BOOST_TEST(c->negotiation_ttl == 4294967295u);
}

BOOST_AUTO_TEST_CASE(booleans_are_true_or_false) {
  BOOST_TEST(fails_at(kBase + "tfc yes;", "t.conf:3:5", "'tfc': expected true or false"));
  BOOST_TEST(fails_at(kBase + "data-plane True;", "t.conf:3:12", "'data-plane'"));
  BOOST_TEST(fails_at(kBase + "tfc 1;", "t.conf:3:5", "'tfc'"));
  auto c = load(kBase + "tfc true; data-plane true;", "t.conf");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->tfc);
  BOOST_TEST(c->data_plane);
}

BOOST_AUTO_TEST_CASE(route_values) {
  // route(id, net, key, spi) puts: id at 3:13, net value at 3:49, key at 3:76, spi at 3:148.
  BOOST_TEST(fails_at(kBase + route("to-kyo", "10.9.0.0/16", kKey, "300"), "t.conf:3:13",
                      "'id': expected a route name"));
  BOOST_TEST(fails_at(kBase + route("tokyo", "10.9.0.1/16", kKey, "300"), "t.conf:3:49",
                      "'net': expected an IPv4 prefix"));
  BOOST_TEST(fails_at(kBase + route("tokyo", "2001:db8::/32", kKey, "300"), "t.conf:3:49",
                      "'net': expected an IPv4 prefix"));
  BOOST_TEST(fails_at(kBase + route("tokyo", "10.9.0.0/16", kKey.substr(1), "300"), "t.conf:3:76",
                      "'preshared-key': expected 64 hex digits"));
  BOOST_TEST(fails_at(kBase + route("tokyo", "10.9.0.0/16", kKey + "00", "300"), "t.conf:3:76",
                      "'preshared-key': expected 64 hex digits"));
  std::string bad_digit = kKey;
  bad_digit[10] = 'g';
  BOOST_TEST(fails_at(kBase + route("tokyo", "10.9.0.0/16", bad_digit, "300"), "t.conf:3:76",
                      "'preshared-key'"));
  // A space inside a byte pair is not allowed; between pairs it is.
  BOOST_TEST(fails_at(
      kBase + route("tokyo", "10.9.0.0/16", "A" + std::string(" ") + kKey.substr(1), "300"),
      "t.conf:3:76", "'preshared-key'"));
  BOOST_TEST(
      load(kBase + route("tokyo", "10.9.0.0/16", " AC AB" + kKey.substr(4) + " ", "300"), "t.conf")
          .ok());
  BOOST_TEST(fails_at(kBase + route("tokyo", "10.9.0.0/16", kKey, "255"), "t.conf:3:148",
                      "'spi': expected an integer in 256..4294967295"));
  BOOST_TEST(fails_at(kBase + route("tokyo", "10.9.0.0/16", kKey, "4294967296"), "t.conf:3:148",
                      "256..4294967295"));
  BOOST_TEST(load(kBase + route("tokyo", "10.9.0.0/16", kKey, "256"), "t.conf").ok());
  BOOST_TEST(fails_at(kBase + "route4 { gateway { ip 2001:db8::1; }" + kRouteLeaves + " }",
                      "t.conf:3:23", "'ip': expected an IPv4 address, found an IPv6 address"));
}

BOOST_AUTO_TEST_CASE(security_association_values) {
  const std::string head = kBase + kRoute;  // SAs on line 4
  const std::string good = "spi 300; aead aes-gcm-16-icv; key " + kSaKey + "; salt " + kSalt + ";";
  BOOST_TEST(load(head + sa("outbound-sa", "route tokyo; " + good), "t.conf").ok());
  BOOST_TEST(fails_at(head + sa("outbound-sa", "route osaka; " + good), "t.conf:4:21",
                      "'route': unknown route 'osaka'"));
  BOOST_TEST(fails_at(head + sa("inbound-sa", "route osaka; " + good), "t.conf:4:20",
                      "unknown route 'osaka'"));
  BOOST_TEST(fails_at(head + sa("outbound-sa", "route tokyo; spi 255; aead aes-gcm-16-icv; key " +
                                                   kSaKey + "; salt " + kSalt + ";"),
                      "t.conf:4:32", "'spi': expected an integer in 256..4294967295"));
  BOOST_TEST(fails_at(head + sa("outbound-sa", "route tokyo; spi 300; aead aes-gcm-12-icv; key " +
                                                   kSaKey + "; salt " + kSalt + ";"),
                      "t.conf:4:42", "'aead': expected aes-gcm-16-icv"));
  BOOST_TEST(fails_at(head + sa("outbound-sa", "route tokyo; spi 300; aead aes-gcm-16-icv; key " +
                                                   kSaKey.substr(2) + "; salt " + kSalt + ";"),
                      "t.conf:4:62", "'key': expected 32 hex digits (16 bytes"));
  BOOST_TEST(fails_at(head + sa("outbound-sa", "route tokyo; spi 300; aead aes-gcm-16-icv; key " +
                                                   kSaKey + "; salt " + kSalt + "00;"),
                      "t.conf:4:101", "'salt': expected 8 hex digits (4 bytes"));
  BOOST_TEST(fails_at(head + sa("outbound-sa", "route tokyo; " + good + " queue 0;"),
                      "t.conf:4:117", "'queue': expected an integer in 1..65535"));
  // Routes of the other family never exist; an SA cannot name one.
  BOOST_TEST(
      fails_at(kBase + sa("outbound-sa", "route tokyo; " + good), "t.conf:3:21", "unknown route"));
}

// ---------------------------------------------------------------- keys and uniqueness

BOOST_AUTO_TEST_CASE(public_interfaces_unique_ip_and_queue) {
  BOOST_TEST(fails_at(kBase + "public-interface4 { ifname eth3; ip 10.0.2.10; nexthop-ip 10.0.2.1; "
                              "queue 2; }",
                      "t.conf:3:37",
                      "duplicate 'public-interface4' key: same 'ip' as the entry at 2:1"));
  // Both default to queue 1: points at the entry that defaulted.
  BOOST_TEST(
      fails_at(kBase + "public-interface4 { ifname eth3; ip 10.0.2.11; nexthop-ip 10.0.2.1; }",
               "t.conf:3:1", "'queue' 1 already served by the entry at 2:1"));
  BOOST_TEST(fails_at(kBase + "public-interface4 { ifname eth3; ip 10.0.2.11; nexthop-ip 10.0.2.1; "
                              "queue 1; }",
                      "t.conf:3:75", "'queue' 1 already served"));
  auto c = load(kBase +
                    "public-interface4 { ifname eth3; ip 10.0.2.11; nexthop-ip 10.0.2.1; "
                    "queue 2; }",
                "t.conf");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->public_interfaces.size() == 2u);
}

BOOST_AUTO_TEST_CASE(routes_unique_id_spi_key_and_net) {
  const std::string first = kBase + kRoute;  // tokyo, 10.9.0.0/16, kKey, 1234
  BOOST_TEST(load(first + route("osaka", "10.8.0.0/16", kOtherKey, "1235"), "t.conf").ok());
  BOOST_TEST(fails_at(first + route("tokyo", "10.8.0.0/16", kOtherKey, "1235"), "t.conf:4:13",
                      "duplicate route 'id' 'tokyo' as the route at 3:1"));
  BOOST_TEST(fails_at(first + route("osaka", "10.8.0.0/16", kOtherKey, "1234"), "t.conf:4:148",
                      "'spi': same route SPI as the route at 3:1"));
  BOOST_TEST(fails_at(first + route("osaka", "10.8.0.0/16", kKey, "1235"), "t.conf:4:76",
                      "'preshared-key': same key as the route at 3:1"));
  BOOST_TEST(fails_at(first + route("osaka", "10.9.0.0/16", kOtherKey, "1235"), "t.conf:4:49",
                      "'net': same network as the route at 3:1"));
  // Repeating two earlier routes: the earlier one is named.
  const std::string two = first + route("osaka", "10.8.0.0/16", kOtherKey, "1235");
  BOOST_TEST(fails_at(two + route("kyoto", "10.7.0.0/16", kKey, "1235"), "t.conf:5:76",
                      "'preshared-key': same key as the route at 3:1"));
  BOOST_TEST(fails_at(two + route("kyoto", "10.8.0.0/16", kOtherKey, "1234"), "t.conf:5:148",
                      "'spi': same route SPI as the route at 3:1"));
}

BOOST_AUTO_TEST_CASE(gateways_unique_ip_and_queue) {
  const std::string tail = " net 10.9.0.0/16; preshared-key " + kKey + "; spi 300; }";
  BOOST_TEST(fails_at(kBase +
                          "route4 { id x;\n gateway { ip 10.0.9.1; }\n gateway { ip 10.0.9.1; "
                          "queue 2; }\n" +
                          tail,
                      "t.conf:5:15", "duplicate 'gateway' key: same 'ip' as the gateway at 4:2"));
  BOOST_TEST(fails_at(
      kBase + "route4 { id x;\n gateway { ip 10.0.9.1; }\n gateway { ip 10.0.9.2; }\n" + tail,
      "t.conf:5:2", "'gateway': 'queue' 1 already used by the gateway at 4:2"));
}

BOOST_AUTO_TEST_CASE(security_associations_keys_and_unique_route_queue) {
  const std::string head = kBase + kRoute + route("osaka", "10.8.0.0/16", kOtherKey, "1235");
  // SAs start on line 5.
  BOOST_TEST(fails_at(head + sa("outbound-sa", sa_fields("300")) +
                          sa("outbound-sa", sa_fields("300", "1", "osaka")),
                      "t.conf:6:32",
                      "duplicate 'outbound-sa' key: same 'spi' and 'queue' as the entry at 5:1"));
  BOOST_TEST(
      fails_at(head + sa("outbound-sa", sa_fields("300")) + sa("outbound-sa", sa_fields("301")),
               "t.conf:6:117", "'outbound-sa': same 'route' and 'queue' as the entry at 5:1"));
  BOOST_TEST(load(head + sa("outbound-sa", sa_fields("300")) +
                      sa("outbound-sa", sa_fields("300", "2")) +
                      sa("outbound-sa", sa_fields("301", "3")),
                  "t.conf")
                 .ok());
  BOOST_TEST(
      fails_at(head + sa("inbound-sa", sa_fields("300")) + sa("inbound-sa", sa_fields("300")),
               "t.conf:6:31", "duplicate 'inbound-sa' key: same 'spi' and 'queue'"));
  // Several inbound SAs per route and queue are allowed; outbound and
  // inbound lists are separate key spaces.
  auto c = load(head + sa("inbound-sa", sa_fields("300")) + sa("inbound-sa", sa_fields("301")) +
                    sa("outbound-sa", sa_fields("300")),
                "t.conf");
  BOOST_REQUIRE(c.ok());
  BOOST_TEST(c->inbound_sas.size() == 2u);
  BOOST_TEST(c->outbound_sas.size() == 1u);
}

// ---------------------------------------------------------------- secrecy

BOOST_AUTO_TEST_CASE(error_messages_never_contain_key_material) {
  const std::string spaced_key = [] {
    std::string s;
    for (std::size_t i = 0; i < kKey.size(); i += 2)
      s += kKey.substr(i, 2) + " ";
    return s;
  }();
  const std::string good_sa =
      "route tokyo; spi 300; aead aes-gcm-16-icv; key " + kSaKey + "; salt " + kSalt + ";";
  std::vector<std::string> documents = {
      // malformed keys
      kBase + route("tokyo", "10.9.0.0/16", kKey.substr(0, 63), "300"),
      kBase + route("tokyo", "10.9.0.0/16", kKey + "A", "300"),
      kBase + route("tokyo", "10.9.0.0/16", kKey.substr(0, 62) + "ZZ", "300"),
      kBase + "route4 { id x; preshared-key " + spaced_key + "; }",  // unquoted with spaces
      kBase + "route4 { id x; preshared-key \"" + kKey + "; }",      // unterminated
      kBase + "route4 { id x; preshared-key " + kKey + " }",         // missing ;
      kBase + "route4 { id x; preshared-key;" + kKey + " 1; }",      // key where a name goes
      kBase + "route4 { id x; preshared-key;" + kKey + "; }",
      kBase + "route4 { id x; preshared-key;" + kKey.substr(0, 20) + "xyz; }",
      kBase + "route4 { id x; preshared-key " + kKey + " { } }",
      kBase + "route4 { id x; preshared-key {" + kKey + "} }",
      kBase + "route4 { id x; " + kKey + " { } }",
      kBase + "route4 { id x; preshared-key " + kKey + "; preshared-key " + kKey + "; }",
      kBase + kRoute + route("osaka", "10.8.0.0/16", kKey, "1235"),  // duplicate key
      kBase + "mtu " + kKey + ";",
      kBase + "route4 { id " + kKey + "; }",
      kBase + "ip " + kKey + ";",
      kBase + kRoute + sa("outbound-sa", "route " + kKey + "; spi 300;"),
      // SA keys and salts
      kBase + kRoute +
          sa("outbound-sa", "route tokyo; spi 300; aead aes-gcm-16-icv; key " + kSaKey +
                                "00; salt " + kSalt + ";"),
      kBase + kRoute +
          sa("outbound-sa",
             "route tokyo; spi 300; aead aes-gcm-16-icv; key " + kSaKey + "; salt " + kSalt + "0;"),
      kBase + kRoute +
          sa("outbound-sa",
             "route tokyo; spi 300; aead " + kSaKey + "; key " + kSaKey + "; salt " + kSalt + ";"),
      kBase + kRoute +
          sa("outbound-sa", "route tokyo; spi 300; key;" + kSaKey + "; salt;" + kSalt + ";"),
      kBase + kRoute + sa("outbound-sa", "route tokyo; spi 300; key " + kSaKey + " salt " + kSalt),
      kBase + kRoute + sa("inbound-sa", "route tokyo; spi " + kSaKey + "; aead aes-gcm-16-icv;"),
      kBase + kRoute + sa("outbound-sa", good_sa) + sa("outbound-sa", good_sa),
      kBase + kRoute +
          sa("outbound-sa", "route tokyo; spi 300; aead aes-gcm-16-icv; key \"" + kSaKey +
                                "\\q\"; salt " + kSalt + ";"),
  };
  const auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  const std::vector<std::string> secrets = {kKey, kSaKey, kSalt};
  for (const auto& document : documents) {
    const std::string message = lower(error_of(document));
    BOOST_TEST_REQUIRE(!message.empty(), document);
    BOOST_TEST_MESSAGE(message);
    for (const auto& secret : secrets) {
      // No 6-digit run of any secret.
      for (std::size_t i = 0; i + 6 <= secret.size(); ++i) {
        const std::string window = lower(secret.substr(i, 6));
        BOOST_TEST(message.find(window) == std::string::npos, message);
      }
    }
  }
}

// ---------------------------------------------------------------- robustness

namespace {

const std::regex kLocated(R"(^t\.conf:([0-9]+):([0-9]+): .+)");

// Either loads or fails with a located message inside the document.
bool ok_or_located(const std::string& text) {
  auto config = load(text, "t.conf");
  if (config.ok()) return true;
  std::smatch m;
  const std::string& message = config.error().message;
  if (!std::regex_match(message, m, kLocated)) {
    BOOST_TEST_MESSAGE("unlocated: " << message);
    return false;
  }
  const auto line = std::stoul(m[1]);
  const auto lines = static_cast<unsigned long>(std::count(text.begin(), text.end(), '\n')) + 1;
  return line >= 1 && line <= lines && std::stoul(m[2]) >= 1;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_prefix_of_the_fixtures_loads_or_fails_located) {
  for (const char* name : {"vita-paris.conf", "vita-paris6.conf", "vita-data-plane.conf"}) {
    const std::string text = read_text(kTestdata + name);
    BOOST_REQUIRE(!text.empty());
    std::size_t failures = 0, oks = 0;
    for (std::size_t n = 0; n <= text.size(); ++n) {
      const bool fine = ok_or_located(text.substr(0, n));
      if (!fine) ++failures;
      if (load(text.substr(0, n), "t.conf").ok()) ++oks;
    }
    BOOST_TEST(failures == 0u, name);
    BOOST_TEST(load(text, "t.conf").ok(), name);
    BOOST_TEST(oks >= 1u);
  }
}

BOOST_AUTO_TEST_CASE(random_bytes_and_mutations_load_or_fail_located) {
  std::mt19937 rng(20240611);
  const std::string alphabet = " \t\n{};\"'/*\\abcdefip0123456789.:-_";
  std::size_t failures = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const auto length = std::uniform_int_distribution<int>(0, 200)(rng);
    const bool any_byte = i % 2 == 0;
    for (int j = 0; j < length; ++j) {
      if (any_byte) {
        text.push_back(static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)));
      } else {
        text.push_back(
            alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)]);
      }
    }
    if (!ok_or_located(text)) ++failures;
  }
  // Mutations of valid documents reach the schema checks.
  for (const char* name : {"vita-paris.conf", "vita-paris6.conf", "vita-data-plane.conf"}) {
    const std::string original = read_text(kTestdata + name);
    for (int i = 0; i < 2000; ++i) {
      std::string text = original;
      const int edits = std::uniform_int_distribution<int>(1, 3)(rng);
      for (int e = 0; e < edits; ++e) {
        const auto at = std::uniform_int_distribution<std::size_t>(0, text.size() - 1)(rng);
        switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
          case 0:
            text[at] =
                alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
            break;
          case 1:
            text.erase(at, 1);
            break;
          default:
            text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), text[at]);
        }
      }
      if (!ok_or_located(text)) ++failures;
      // The mutated key must never show up in a message either.
      auto config = load(text, "t.conf");
      if (!config.ok()) {
        BOOST_TEST(config.error().message.find("ACAB129A5D1E") == std::string::npos);
        BOOST_TEST(config.error().message.find("00112233445566") == std::string::npos);
      }
    }
  }
  BOOST_TEST(failures == 0u);
}

// ---------------------------------------------------------------- warnings

BOOST_AUTO_TEST_CASE(sa_ttl_below_four_negotiation_ttls_is_warned_about_not_refused) {
  const auto warnings = [](std::string_view leaves) {
    auto c = load(kBase + kRoute + std::string(leaves), "t.conf");
    if (!c.ok()) BOOST_FAIL(c.error().message);
    return warnings_of(*c);
  };
  BOOST_TEST(warnings("").empty());                                 // 600 s and 5 s
  BOOST_TEST(warnings("sa-ttl 20; negotiation-ttl 5;\n").empty());  // exactly 4 x
  const auto below = warnings("sa-ttl 19; negotiation-ttl 5;\n");
  BOOST_TEST_REQUIRE(below.size() == 1u);
  BOOST_TEST(below[0].find("sa-ttl 19 is less than 4 x negotiation-ttl (5)") == 0u);
  BOOST_TEST(below[0].find("traffic stalls at each rekey") != std::string::npos);
  BOOST_TEST(below[0].find("at least 20") != std::string::npos);
  BOOST_TEST(warnings("sa-ttl 10; negotiation-ttl 30;\n").size() == 1u);
  // The largest negotiation-ttl does not overflow the bound.
  BOOST_TEST(warnings("sa-ttl 4294967295; negotiation-ttl 4294967295;\n").size() == 1u);
}

BOOST_AUTO_TEST_CASE(sa_ttl_is_not_warned_about_with_static_sas) {
  auto c = load(kBase + kRoute + "data-plane true; sa-ttl 1; negotiation-ttl 5;\n", "t.conf");
  if (!c.ok()) BOOST_FAIL(c.error().message);
  BOOST_TEST(warnings_of(*c).empty());
}

BOOST_AUTO_TEST_CASE(identity_change_names_the_first_field_that_binds_an_interface) {
  auto c = load(kBase + kRoute, "t.conf");
  if (!c.ok()) BOOST_FAIL(c.error().message);
  const PublicInterface before = c->public_interfaces.at(0);
  BOOST_TEST(!identity_change(before, before).has_value());
  // Next hops change live: not an identity change.
  PublicInterface after = before;
  after.nexthop_mac = net::Mac{{2, 0, 0, 0, 0, 0x99}};
  BOOST_TEST(!identity_change(after, before).has_value());
  after = before;
  after.ifname = "other0";
  after.device_queue = 3;
  BOOST_TEST((identity_change(before, after) == InterfaceField::kIfname));
  BOOST_TEST(field_name(*identity_change(before, after)) == "ifname");
  after = before;
  after.device_queue = 3;
  BOOST_TEST((identity_change(before, after) == InterfaceField::kDeviceQueue));
  // The private interface's kind has no device-queue or nat-ip.
  BOOST_TEST(
      !identity_change(static_cast<const Interface&>(before), static_cast<const Interface&>(after))
           .has_value());
  after = before;
  after.nat_ip = before.ip;
  BOOST_TEST(field_name(*identity_change(before, after)) == "nat-ip");
  Interface moved = c->private_interface;
  moved.mac = net::Mac{{2, 0, 0, 0, 0, 0x42}};
  BOOST_TEST(field_name(*identity_change(c->private_interface, moved)) == "mac");
}

namespace {

// Every value of a tree in the secure heap.
bool values_in_secure_heap(const Statements& statements, std::size_t& count) {
  for (const auto& s : statements) {
    if (s.value) {
      ++count;
      if (!base::in_secure_heap(s.value->text.data(), s.value->text.size())) return false;
    }
    if (!values_in_secure_heap(s.children, count)) return false;
  }
  return true;
}

}  // namespace

// Key material from the file to the typed configuration: the file's text,
// every value of the tree, each decoded key and salt, and the copies a
// configuration makes of them live in the secure heap (locked, wiped).
BOOST_AUTO_TEST_CASE(file_text_values_and_keys_live_in_the_secure_heap) {
  auto text = read_file(kTestdata + "vita-data-plane.conf");
  BOOST_REQUIRE(text.ok());
  BOOST_TEST(base::in_secure_heap(text->data(), text->size()));
  BOOST_TEST(text->find("00112233445566778899aabbccddeeff") != base::SecureString::npos);
  auto document = parse_document(*text, "vita-data-plane.conf");
  BOOST_REQUIRE(document.ok());
  std::size_t values = 0;
  BOOST_TEST(values_in_secure_heap(*document, values));
  BOOST_TEST(values > 30u);
  auto c = load(*text, "vita-data-plane.conf");
  BOOST_REQUIRE(c.ok());
  const GatewayConfig copy = *c;
  const GatewayConfig& original = *c;
  for (const GatewayConfig* config : {&original, &copy}) {
    for (const auto& r : config->routes)
      BOOST_TEST(base::in_secure_heap(r.preshared_key.data(), r.preshared_key.size()));
    for (const auto* sas : {&config->outbound_sas, &config->inbound_sas})
      for (const auto& sa : *sas) {
        BOOST_TEST(base::in_secure_heap(sa.key.data(), sa.key.size()));
        BOOST_TEST(base::in_secure_heap(sa.salt.data(), sa.salt.size()));
      }
  }
  BOOST_TEST(copy.outbound_sas[0].key.data() != c->outbound_sas[0].key.data());
  BOOST_TEST((copy.outbound_sas[0].key == c->outbound_sas[0].key));

  auto missing = read_file(kTestdata + "no-such.conf");
  BOOST_REQUIRE(!missing.ok());
  BOOST_TEST(missing.error().message.find("no-such.conf: cannot open configuration file: ") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(documents_holding_keys) {
  const auto holds = [](const std::string& text) {
    auto document = parse_document(text, "t.conf");
    BOOST_TEST_REQUIRE(document.ok());
    return holds_keys(*document);
  };
  BOOST_TEST(holds(read_text(kTestdata + "vita-paris.conf")));
  BOOST_TEST(holds(read_text(kTestdata + "vita-data-plane.conf")));
  BOOST_TEST(!holds(kBase));
  // A list entry as `strait config add` reads it; a static SA's salt.
  BOOST_TEST(holds("route4 { id x; preshared-key \"00\"; }"));
  BOOST_TEST(holds("outbound-sa { spi 1001; salt 00000000; }"));
  BOOST_TEST(!holds("route4 { id x; net 10.0.0.0/8; }"));
}

BOOST_AUTO_TEST_CASE(a_file_holding_keys_is_its_owners_alone) {
  const auto check = [](std::uint32_t mode, std::uint32_t owner, std::uint32_t user) {
    return check_key_file_access("/etc/strait/paris.conf", FileAccess{S_IFREG | mode, owner}, user);
  };
  BOOST_TEST(check(0600, 0, 0).ok());
  BOOST_TEST(check(0400, 0, 0).ok());
  BOOST_TEST(check(0700, 0, 0).ok());
  BOOST_TEST(check(0600, 1000, 1000).ok());  // a gateway run by its own user
  BOOST_TEST(check(0600, 0, 1000).ok());     // root's file
  for (std::uint32_t mode : {0640u, 0620u, 0604u, 0602u, 0644u, 0666u}) {
    auto refused = check(mode, 0, 0);
    BOOST_TEST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error().message.find("`chmod 600 /etc/strait/paris.conf`") !=
               std::string::npos);
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", mode);
    BOOST_TEST(refused.error().message.find(std::string("(mode ") + octal + ")") !=
               std::string::npos);
  }
  BOOST_TEST(check(0640, 0, 0).error().message.find("its group may") != std::string::npos);
  BOOST_TEST(check(0604, 0, 0).error().message.find("others may") != std::string::npos);
  BOOST_TEST(check(0644, 0, 0).error().message.find("its group and others may") !=
             std::string::npos);
  // Another user's file: that user could change the keys.
  auto foreign = check(0600, 1000, 0);
  BOOST_TEST_REQUIRE(!foreign.ok());
  BOOST_TEST(foreign.error().message.find("belongs to user 1000") != std::string::npos);
  BOOST_TEST(foreign.error().message.find("`chown root /etc/strait/paris.conf`") !=
             std::string::npos);
  BOOST_TEST(check(0600, 1000, 2000).error().message.find("`chown 2000 ") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(read_file_tells_the_mode_and_owner_of_what_it_read) {
  char pattern[] = "/tmp/strait-config-test-XXXXXX";
  const int fd = mkstemp(pattern);
  BOOST_TEST_REQUIRE(fd >= 0);
  BOOST_TEST_REQUIRE(::write(fd, "mtu 1440;\n", 10) == 10);
  ::close(fd);
  BOOST_TEST_REQUIRE(::chmod(pattern, 0640) == 0);
  FileAccess access;
  auto text = read_file(pattern, &access);
  ::unlink(pattern);
  BOOST_TEST_REQUIRE(text.ok());
  BOOST_TEST(text->view() == "mtu 1440;\n");
  BOOST_TEST((access.mode & 07777) == 0640u);
  BOOST_TEST(S_ISREG(access.mode));
  BOOST_TEST(access.owner == static_cast<std::uint32_t>(::geteuid()));
}
