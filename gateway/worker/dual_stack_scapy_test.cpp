#define BOOST_TEST_MODULE worker_dual_stack_scapy
// Interoperability of the dual-stack tunnels (docs/dual-stack.md) with an
// independent ESP implementation: Scapy's SecurityAssociation in tunnel
// mode (conformance/scapy_tunnel.py, /usr/bin/python3) decrypts the whole
// outer packets a gateway sends, IPv4 in IPv6 and IPv6 in IPv4, and builds
// the ones the gateway decrypts. Scapy is a listed dependency
// (ci/install-deps): without it the test fails, it does not skip.

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "testing/coprocess.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

const char* layer(Family f) {
  return f == Family::kIpv4 ? "IP" : "IPv6";
}

std::string sa_words(const esp::SaParameters& sa) {
  return std::to_string(sa.spi) + " " + base::encode_hex(sa.key) + " " + base::encode_hex(sa.salt);
}

Bytes from_hex(const std::string& text) {
  Bytes out;
  BOOST_TEST_REQUIRE(text.size() % 2 == 0u);
  for (std::size_t i = 0; i < text.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
  return out;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t end = line.find(' ', at);
    words.push_back(line.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return words;
}

Coprocess scapy() {
  return Coprocess({"/usr/bin/python3", STRAIT_SOURCE_DIR "/conformance/scapy_tunnel.py"});
}

}  // namespace

BOOST_AUTO_TEST_CASE(scapy_decrypts_what_the_gateway_sends) {
  Coprocess peer = scapy();
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      GatewayHarness h(site_config(p, t));
      for (std::size_t i = 0; i < 3; ++i) {
        const Bytes inner = host_datagram(p, t, 40 + 500 * i, static_cast<std::uint8_t>(i));
        h.send_private(lan_frame(p, inner));
        h.run();
        const std::vector<Bytes> out = h.take_public();
        BOOST_TEST_REQUIRE(out.size() == 1u);
        const auto ip = parse_ip_frame(out[0]);
        BOOST_TEST_REQUIRE(ip.has_value());
        const std::string answer =
            peer.request("decrypt " + sa_words(p.outbound) + " " + base::encode_hex(ip->packet));
        const auto words = words_of(answer);
        BOOST_TEST_REQUIRE(words.size() == 4u, answer);
        BOOST_TEST(words[0] == layer(m.outer));
        BOOST_TEST(words[1] == (m.inner == Family::kIpv4 ? "4" : "41"));
        BOOST_TEST(words[2] == layer(m.inner));
        BOOST_TEST(from_hex(words[3]) == with_ttl(inner, 63));
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_gateway_decrypts_what_scapy_sends) {
  Coprocess peer = scapy();
  for (const FamilyMix& m : kFamilyMixes) {
    BOOST_TEST_CONTEXT(m.name) {
      const Site p = paris(m.inner, m.outer), t = tokyo(m.inner, m.outer);
      GatewayHarness h(site_config(p, t));
      for (std::uint64_t seq = 1; seq <= 3; ++seq) {
        const Bytes inner = host_datagram(t, p, 100 * seq, static_cast<std::uint8_t>(seq));
        const std::string answer =
            peer.request("encrypt " + sa_words(t.outbound) + " " + std::to_string(seq) + " " +
                         t.public_ip.to_string() + " " + p.public_ip.to_string() + " " +
                         base::encode_hex(inner));
        BOOST_TEST_REQUIRE(answer.rfind("error", 0) != 0u, answer);
        const Bytes outer = from_hex(answer);
        const auto view = parse_ip(outer);
        BOOST_TEST_REQUIRE(view.has_value());
        BOOST_TEST((view->source.family == m.outer));
        h.send_public(wan_frame(p, outer));
        h.run();
        const std::vector<Bytes> got = h.take_private();
        BOOST_TEST_REQUIRE(got.size() == 1u);
        BOOST_TEST(got[0] == to_lan_frame(p, with_ttl(inner, 63)));
      }
      const esp::InboundSa* sa = h.worker().sas().inbound(t.outbound.spi);
      BOOST_TEST_REQUIRE(sa != nullptr);
      BOOST_TEST(sa->window().highest() == 3u);
      BOOST_TEST(sa->counters.decrypt_errors == 0u);
      BOOST_TEST(sa->counters.protocol_errors == 0u);
    }
  }
}
