#define BOOST_TEST_MODULE config_dual_stack
#include <boost/test/unit_test.hpp>

#include <string>

#include "config/load.hpp"

// The dual-stack extension of the schema (docs/dual-stack.md): a gateway's
// private network and routes keep one family, and its queues' public
// interfaces may be of either; a route gateway has the family of the
// public interface serving its queue.

using namespace strait;
using namespace strait::config;

namespace {

const std::string kPrivate4 =
    "private-interface4 { ifname eth1; ip 10.0.1.10; nexthop-ip 10.0.1.1; }\n";
const std::string kPrivate6 =
    "private-interface6 { ifname eth1; ip 2001:db8:1::10; nexthop-ip 2001:db8:1::1; }\n";
const std::string kPublic4 =
    "public-interface4 { ifname eth2; ip 10.0.2.10; nexthop-ip 10.0.2.1; }\n";
const std::string kPublic6 =
    "public-interface6 { ifname eth2; ip 2001:db8:2::10; nexthop-ip 2001:db8:2::1; }\n";
const std::string kKey = "ACAB129A5D1E2F3B4C6D7E8F9A0B1C2D3E4F5061728394A5B6C7D8E9F0A1B2C3";

std::string route(const std::string& keyword, const std::string& net, const std::string& gateways) {
  return keyword + " { id tokyo; " + gateways + " net \"" + net + "\"; preshared-key \"" + kKey +
         "\"; spi 300; }\n";
}

std::string error_of(const std::string& text) {
  auto config = load(text, "t.conf");
  return config.ok() ? std::string() : config.error().message;
}

bool fails_at(const std::string& text, const std::string& where, const std::string& what) {
  const std::string message = error_of(text);
  const bool ok = message.rfind(where + ": ", 0) == 0 && message.find(what) != std::string::npos;
  if (!ok) BOOST_TEST_MESSAGE("got: \"" << message << "\"");
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ipv4_routes_over_an_ipv6_public_interface) {
  auto config =
      load(kPrivate4 + kPublic6 + route("route4", "10.2.0.0/16", "gateway { ip 2001:db8:3::10; }"),
           "t.conf");
  BOOST_TEST_REQUIRE(config.ok(), (config.ok() ? "" : config.error().message));
  BOOST_TEST((config->family == net::Family::kIpv4));
  BOOST_TEST((config->private_interface.ip.family == net::Family::kIpv4));
  BOOST_TEST_REQUIRE(config->public_interfaces.size() == 1u);
  BOOST_TEST((config->public_interfaces[0].ip.family == net::Family::kIpv6));
  BOOST_TEST((config->routes[0].net.address.family == net::Family::kIpv4));
  BOOST_TEST(config->routes[0].gateway_for(1).to_string() == "2001:db8:3::10");
}

BOOST_AUTO_TEST_CASE(ipv6_routes_over_an_ipv4_public_interface) {
  auto config =
      load(kPrivate6 + kPublic4 + route("route6", "2001:db8:20::/48", "gateway { ip 10.0.3.10; }"),
           "t.conf");
  BOOST_TEST_REQUIRE(config.ok(), (config.ok() ? "" : config.error().message));
  BOOST_TEST((config->family == net::Family::kIpv6));
  BOOST_TEST((config->public_interfaces[0].ip.family == net::Family::kIpv4));
  BOOST_TEST(config->routes[0].gateway_for(1).to_string() == "10.0.3.10");
}

BOOST_AUTO_TEST_CASE(queues_of_both_families_in_one_gateway) {
  const std::string public6_queue2 =
      "public-interface6 { ifname eth3; ip 2001:db8:2::11; nexthop-ip 2001:db8:2::1; queue 2; "
      "nat-ip 2001:db8:9::11; }\n";
  auto config = load(kPrivate4 + kPublic4 + public6_queue2 +
                         route("route4", "10.2.0.0/16",
                               "gateway { ip 10.0.3.10; } gateway { ip 2001:db8:3::10; queue 2; }"),
                     "t.conf");
  BOOST_TEST_REQUIRE(config.ok(), (config.ok() ? "" : config.error().message));
  BOOST_TEST_REQUIRE(config->public_interfaces.size() == 2u);
  BOOST_TEST(config->public_interface(1)->ip.to_string() == "10.0.2.10");
  BOOST_TEST(config->public_interface(2)->ip.to_string() == "2001:db8:2::11");
  BOOST_TEST(config->public_interface(2)->identity().to_string() == "2001:db8:9::11");
  BOOST_TEST(config->routes[0].gateway_for(1).to_string() == "10.0.3.10");
  BOOST_TEST(config->routes[0].gateway_for(2).to_string() == "2001:db8:3::10");
}

BOOST_AUTO_TEST_CASE(a_gateway_needs_a_public_interface_of_its_family) {
  // Line 3, column 28: the gateway's ip.
  BOOST_TEST(fails_at(
      kPrivate4 + kPublic4 + route("route4", "10.2.0.0/16", "gateway { ip 2001:db8:3::10; }"),
      "t.conf:3:33",
      "'ip': expected an IPv4 address, found an IPv6 address: queue 1 is served "
      "by 'public-interface4' at 2:1 (an IPv6 gateway needs a public-interface6 "
      "serving its queue)"));
  BOOST_TEST(fails_at(
      kPrivate6 + kPublic6 + route("route6", "2001:db8:20::/48", "gateway { ip 10.0.3.10; }"),
      "t.conf:3:33", "an IPv4 gateway needs a public-interface4"));
  // A gateway of a queue no interface serves: some interface of its family.
  BOOST_TEST(
      fails_at(kPrivate4 + kPublic4 +
                   route("route4", "10.2.0.0/16",
                         "gateway { ip 10.0.3.10; } gateway { ip 2001:db8:3::10; queue 5; }"),
               "t.conf:3:59",
               "expected an IPv4 address, found an IPv6 address (an IPv6 gateway needs a "
               "public-interface6)"));
}

BOOST_AUTO_TEST_CASE(every_queue_reaches_the_route_in_its_family) {
  const std::string public6_queue2 =
      "public-interface6 { ifname eth3; ip 2001:db8:2::11; nexthop-ip 2001:db8:2::1; queue 2; }\n";
  // Queue 2 has no gateway of its own and would use queue 1's, an IPv4 one.
  BOOST_TEST(fails_at(kPrivate4 + kPublic4 + public6_queue2 +
                          route("route4", "10.2.0.0/16", "gateway { ip 10.0.3.10; }"),
                      "t.conf:4:33",
                      "expected an IPv6 address, found an IPv4 address: route 'tokyo' has no "
                      "gateway for queue 2 and uses this one (its lowest queue's) there, but queue "
                      "2 is served by 'public-interface6' at 3:1"));
}

BOOST_AUTO_TEST_CASE(queues_are_unique_across_both_families) {
  BOOST_TEST(fails_at(kPrivate4 + kPublic4 + kPublic6, "t.conf:3:1",
                      "'public-interface6': 'queue' 1 already served by the entry at 2:1"));
  const std::string same_ip =
      "public-interface6 { ifname eth3; ip 10.0.2.10; nexthop-ip 2001:db8:2::1; queue 2; }\n";
  BOOST_TEST(fails_at(kPrivate4 + kPublic4 + same_ip, "t.conf:3:37",
                      "'ip': expected an IPv6 address, found an IPv4 address"));
  const std::string nat4_on_6 =
      "public-interface6 { ifname eth3; ip 2001:db8:2::11; nexthop-ip 2001:db8:2::1; queue 2; "
      "nat-ip 10.9.9.9; }\n";
  BOOST_TEST(fails_at(kPrivate4 + kPublic4 + nat4_on_6, "t.conf:3:95",
                      "'nat-ip': expected an IPv6 address, found an IPv4 address"));
}

BOOST_AUTO_TEST_CASE(one_private_family) {
  BOOST_TEST(fails_at(kPrivate4 + kPublic6 + route("route6", "2001:db8:20::/48", ""), "t.conf:3:1",
                      "'route6': the IPv4 and IPv6 sets are exclusive ('private-interface4' at "
                      "1:1): a gateway's private network and routes are of one family (a route4 "
                      "may reach an IPv6 gateway through a public-interface6"));
  BOOST_TEST(fails_at(kPrivate4 + kPrivate6 + kPublic4, "t.conf:2:1",
                      "'private-interface6': the IPv4 and IPv6 sets are exclusive"));
  // Routes of both families, whichever interfaces there are.
  BOOST_TEST(fails_at(kPublic4 + kPublic6 + route("route4", "10.2.0.0/16", "") +
                          route("route6", "2001:db8:20::/48", ""),
                      "t.conf:4:1", "'route6': the IPv4 and IPv6 sets are exclusive ('route4'"));
  // No private interface: the routes say the family, and the container is missing.
  BOOST_TEST(fails_at(kPublic6 + route("route4", "10.2.0.0/16", "gateway { ip 2001:db8:3::1; }"),
                      "t.conf:1:1", "missing mandatory container 'private-interface4'"));
}

BOOST_AUTO_TEST_CASE(a_vita_configuration_stays_one_family) {
  auto config = load(kPrivate4 + kPublic4 +
                         route("route4", "10.2.0.0/16",
                               "gateway { ip "
                               "10.0.3.10; }"),
                     "t.conf");
  BOOST_TEST_REQUIRE(config.ok());
  BOOST_TEST((config->public_interfaces[0].ip.family == net::Family::kIpv4));
  BOOST_TEST((config->routes[0].gateway_for(1).family == net::Family::kIpv4));
}
