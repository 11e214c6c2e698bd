#define BOOST_TEST_MODULE key_manager_reconfigure
#include <boost/test/unit_test.hpp>

#include <set>
#include <string>

#include "config/load.hpp"
#include "testing/frame_builder.hpp"
#include "testing/sample_sites.hpp"
#include "testing/two_sites.hpp"

// Worker::reconfigure on gateways that negotiate their SAs (PROTOCOL.md
// 2.4): a route that keeps its pre-shared key and route SPI keeps its SAs;
// changing either, or removing the route, destroys them.

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

constexpr base::Nanoseconds kMs = base::kMillisecond;

config::GatewayConfig parse(const std::string& text) {
  auto c = config::load(text, "reconfigure.conf");
  BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? std::string() : c.error().message));
  return std::move(c).value();
}

std::set<std::uint32_t> inbound_spis(const tunnel::SaDatabase& sas, std::uint32_t route) {
  std::set<std::uint32_t> spis;
  sas.for_each_inbound([&](std::uint32_t r, const esp::InboundSa& sa) {
    if (r == route) spis.insert(sa.spi());
  });
  return spis;
}

// A route whose gateway is paris itself: keyed by paris alone.
std::string loop_route(const Site& p, std::uint32_t spi, const char* key) {
  return "route4 {\n  id loop;\n  gateway { ip " + p.public_ip.to_string() +
         "; }\n  net \"10.9.0.0/16\";\n  preshared-key \"" + key + "\";\n  spi " +
         std::to_string(spi) + ";\n}\n";
}

constexpr const char* kLoopKey = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

}  // namespace

BOOST_AUTO_TEST_CASE(kept_routes_keep_their_sas_added_and_removed_ones_come_and_go) {
  TwoSites s;
  s.run();
  s.advance(100 * kMs);
  worker::Worker& paris = s.worker(SiteId::kParis);
  const esp::OutboundSa* outbound = paris.sas().outbound(0);
  BOOST_TEST_REQUIRE(outbound != nullptr);
  const auto inbound = inbound_spis(paris.sas(), 0);
  BOOST_TEST(inbound.size() == 2u);
  BOOST_TEST(round_trip(s, 1));
  const std::uint64_t sent_before = outbound->last_sequence();
  const auto initiated = paris.key_manager_counters().negotiations_initiated;

  // Add a route (and change sa-ttl): the tokyo route keeps its SAs.
  const Site& p = s.site(SiteId::kParis);
  const Site& t = s.site(SiteId::kTokyo);
  SiteOptions o = key_exchange_options();
  o.sa_ttl = 900;
  o.extra = loop_route(p, 4321, kLoopKey);
  BOOST_TEST_REQUIRE(paris.reconfigure(parse(site_config(p, t, o))).ok());
  BOOST_TEST(paris.sas().route_count() == 2u);
  BOOST_TEST(paris.sas().outbound(0) == outbound);  // the same SA, sequence numbers go on
  BOOST_TEST(inbound_spis(paris.sas(), 0) == inbound);
  BOOST_TEST(round_trip(s, 2));
  BOOST_TEST(outbound->last_sequence() == sent_before + 1);
  // The new route negotiates (with paris itself) and only it.
  s.advance(200 * kMs);
  BOOST_TEST(paris.key_manager_counters().negotiations_initiated == initiated + 1);
  BOOST_TEST_REQUIRE(paris.sas().outbound(1) != nullptr);
  BOOST_TEST(inbound_spis(paris.sas(), 1).size() == 1u);
  BOOST_TEST(paris.sas().outbound(0) == outbound);

  // Remove it again: its SAs go, the tokyo route's stay.
  BOOST_TEST_REQUIRE(paris.reconfigure(parse(site_config(p, t, key_exchange_options()))).ok());
  BOOST_TEST(paris.sas().route_count() == 1u);
  BOOST_TEST(paris.sas().outbound(0) == outbound);
  BOOST_TEST(paris.sas().inbound_count() == 2u);
  BOOST_TEST(round_trip(s, 3));
}

BOOST_AUTO_TEST_CASE(a_new_preshared_key_destroys_the_sas_and_renegotiates) {
  TwoSites s;
  s.run();
  worker::Worker& paris = s.worker(SiteId::kParis);
  worker::Worker& tokyo = s.worker(SiteId::kTokyo);
  BOOST_TEST_REQUIRE(paris.sas().outbound(0) != nullptr);
  const Site& p = s.site(SiteId::kParis);
  const Site& t = s.site(SiteId::kTokyo);
  SiteOptions o = key_exchange_options();
  o.preshared_key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  BOOST_TEST_REQUIRE(paris.reconfigure(parse(site_config(p, t, o))).ok());
  BOOST_TEST(paris.sas().outbound(0) == nullptr);
  BOOST_TEST(paris.sas().inbound_count() == 0u);
  // Paris knocks with the new key; tokyo still has the old one.
  s.run();
  s.advance(100 * kMs);
  BOOST_TEST(paris.sas().outbound(0) == nullptr);
  BOOST_TEST(tokyo.key_manager_counters().authentication_errors +
                 paris.key_manager_counters().authentication_errors >=
             1u);
  // Tokyo gets the same new key: the tunnel comes back.
  BOOST_TEST_REQUIRE(tokyo.reconfigure(parse(site_config(t, p, o))).ok());
  s.advance(6000 * kMs, 10 * kMs);
  BOOST_TEST(paris.sas().outbound(0) != nullptr);
  BOOST_TEST(tokyo.sas().outbound(0) != nullptr);
  BOOST_TEST(round_trip(s, 4));
}

BOOST_AUTO_TEST_CASE(settings_that_need_a_restart_are_refused_and_change_nothing) {
  TwoSites s;
  s.run();
  worker::Worker& paris = s.worker(SiteId::kParis);
  const esp::OutboundSa* outbound = paris.sas().outbound(0);
  BOOST_TEST_REQUIRE(outbound != nullptr);
  const Site& p = s.site(SiteId::kParis);
  const Site& t = s.site(SiteId::kTokyo);
  SiteOptions o = key_exchange_options();
  o.nat_ip = *net::Address::parse("198.51.100.7");
  auto refused = paris.reconfigure(parse(site_config(p, t, o)));
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().message.find("nat-ip") != std::string::npos);
  o = key_exchange_options();
  o.protocol_port = 304;
  refused = paris.reconfigure(parse(site_config(p, t, o)));
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().message.find("protocol-port") != std::string::npos);
  BOOST_TEST(paris.sas().outbound(0) == outbound);
  BOOST_TEST(round_trip(s, 5));

  // A data-plane gateway keeps its unchanged static SAs (sequence numbers
  // and replay windows) and takes a new mtu live.
  TwoSitesOptions d;
  d.paris = SiteOptions{};
  d.tokyo = SiteOptions{};
  TwoSites static_sites(d);
  BOOST_TEST_REQUIRE(round_trip(static_sites, 3));
  worker::Worker& static_paris = static_sites.worker(SiteId::kParis);
  const esp::OutboundSa* static_outbound = static_paris.sas().outbound(0);
  SiteOptions lower;
  lower.mtu = 1300;
  const auto again = static_paris.reconfigure(parse(
      site_config(static_sites.site(SiteId::kParis), static_sites.site(SiteId::kTokyo), lower)));
  BOOST_TEST_REQUIRE(again.ok());
  BOOST_TEST(static_paris.sas().outbound(0) == static_outbound);
  BOOST_TEST(round_trip(static_sites, 3));
}
