#define BOOST_TEST_MODULE static_sa_sequence
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <vector>

#include "net/headers.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"

// A static (data-plane) outbound SA's GCM nonce is salt || sequence number
// (PROTOCOL.md 1): a key and salt once used must never start again at a
// lower sequence number, whatever spi or route a reconfiguration gives it.

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

struct EspHeader {
  std::uint32_t spi = 0;
  std::uint32_t sequence = 0;  // low 32 bits, as carried
};

// The ESP header of every frame the gateway sent on its public side.
std::vector<EspHeader> sent_esp(GatewayHarness& h) {
  std::vector<EspHeader> headers;
  for (const Bytes& frame : h.take_public()) {
    const auto ip = parse_ip_frame(frame);
    BOOST_TEST_REQUIRE(ip.has_value());
    BOOST_TEST_REQUIRE(ip->protocol == net::kProtocolEsp);
    BOOST_TEST_REQUIRE(ip->payload.size() >= 8u);
    const std::uint8_t* b = ip->payload.data();
    headers.push_back({net::load32(b), net::load32(b + 4)});
  }
  return headers;
}

// Sends `count` datagrams through the tunnel and returns their ESP headers.
std::vector<EspHeader> send_through(GatewayHarness& h, const Site& p, const Site& t,
                                    std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    h.send_private(lan_frame(p, host_datagram(p, t, 100, static_cast<std::uint8_t>(i))));
  h.run();
  const std::vector<EspHeader> sent = sent_esp(h);
  BOOST_TEST_REQUIRE(sent.size() == count);
  return sent;
}

void check(const std::vector<EspHeader>& sent, std::uint32_t spi, std::uint32_t first) {
  for (std::size_t i = 0; i < sent.size(); ++i) {
    BOOST_TEST(sent[i].spi == spi);
    BOOST_TEST(sent[i].sequence == first + i);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_new_spi_for_the_same_key_and_salt_continues_above_the_last_sequence) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      check(send_through(h, p, t, 3), p.outbound.spi, 1);

      // Only the spi changes: the SA is replaced, its sequence goes on.
      config::GatewayConfig respi = h.config();
      respi.outbound_sas.at(0).spi = p.outbound.spi + 1000;
      BOOST_REQUIRE(h.worker().reconfigure(respi).ok());
      check(send_through(h, p, t, 2), p.outbound.spi + 1000, 4);

      // Back to the first spi: still above everything that key sent.
      BOOST_REQUIRE(h.worker().reconfigure(h.config()).ok());
      check(send_through(h, p, t, 1), p.outbound.spi, 6);

      // A new key starts at the configured initial sequence (1)...
      config::GatewayConfig rekeyed = h.config();
      rekeyed.outbound_sas.at(0).key[0] ^= 0x5a;
      BOOST_REQUIRE(h.worker().reconfigure(rekeyed).ok());
      check(send_through(h, p, t, 2), p.outbound.spi, 1);
      // ... and so does the same key with another salt (another nonce space).
      config::GatewayConfig resalted = h.config();
      resalted.outbound_sas.at(0).salt[0] ^= 0x5a;
      BOOST_REQUIRE(h.worker().reconfigure(resalted).ok());
      check(send_through(h, p, t, 1), p.outbound.spi, 1);

      // The first key and salt again, after others: above its own mark.
      BOOST_REQUIRE(h.worker().reconfigure(respi).ok());
      check(send_through(h, p, t, 1), p.outbound.spi + 1000, 7);
      // The new key too remembers where it was.
      BOOST_REQUIRE(h.worker().reconfigure(rekeyed).ok());
      check(send_through(h, p, t, 1), p.outbound.spi, 3);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_new_route_for_the_same_key_and_salt_continues_above_the_last_sequence) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t));
      check(send_through(h, p, t, 4), p.outbound.spi, 1);
      // The route is renamed (the old one removed, its SAs destroyed with
      // it) and the SAs follow it, keys, salts and spis unchanged.
      config::GatewayConfig renamed = h.config();
      const std::string old_id = renamed.routes.at(0).id;
      renamed.routes.at(0).id = old_id + "-renamed";
      for (auto* sas : {&renamed.outbound_sas, &renamed.inbound_sas})
        for (auto& sa : *sas)
          if (sa.route == old_id) sa.route = renamed.routes.at(0).id;
      BOOST_REQUIRE(h.worker().reconfigure(renamed).ok());
      check(send_through(h, p, t, 2), p.outbound.spi, 5);
      // And back.
      BOOST_REQUIRE(h.worker().reconfigure(h.config()).ok());
      check(send_through(h, p, t, 1), p.outbound.spi, 7);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_worker_that_replaces_another_goes_on_above_its_sequence_numbers) {
  const Site p = paris(Family::kIpv4), t = tokyo(Family::kIpv4);
  GatewayHarness before(site_config(p, t));
  check(send_through(before, p, t, 3), p.outbound.spi, 1);
  const worker::Worker::SequenceMarks marks = before.worker().static_sequence_marks();
  BOOST_TEST(marks.size() == 1u);
  GatewayHarness after(site_config(p, t));
  after.worker().continue_static_sequences(marks);
  check(send_through(after, p, t, 2), p.outbound.spi, 4);
  // The marks stay with the new worker for SAs it installs later.
  config::GatewayConfig respi = after.config();
  respi.outbound_sas.at(0).spi = p.outbound.spi + 1;
  BOOST_REQUIRE(after.worker().reconfigure(respi).ok());
  check(send_through(after, p, t, 1), p.outbound.spi + 1, 6);
}
