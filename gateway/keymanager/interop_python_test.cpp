#define BOOST_TEST_MODULE interop_python
// The gateway's key manager and data plane against an independent
// implementation of vita-ske v5 and Vita's ESP: conformance/vita_ske_peer.py
// (written from PROTOCOL.md only), run as a co-process. The test carries
// the UDP payloads between the two: what the gateway (paris) sends on its
// public port goes to the peer, the peer's answers come back into paris's
// public port as UDP from tokyo's public address. Needs /usr/bin/python3
// with python3-cryptography; without it the test fails (never skips).
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "net/headers.hpp"
#include "testing/coprocess.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

constexpr const char* kPython = "/usr/bin/python3";
const std::string kScript = std::string(STRAIT_SOURCE_DIR) + "/conformance/vita_ske_peer.py";
// site_config()'s route has kSamplePresharedKey and kSampleRouteSpi.
constexpr const char* kWrongPsk =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeefe";

std::string hex(const Bytes& bytes) {
  return base::encode_hex(bytes);
}
Bytes unhex(const std::string& text) {
  const auto bytes = base::decode_hex(text);
  BOOST_TEST_REQUIRE(bytes.has_value(), "not hex: " << text);
  return *bytes;
}

std::vector<std::string> tokens_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> tokens;
  for (std::string t; in >> t;)
    tokens.push_back(t);
  return tokens;
}

// The SAs of an `sa ...` line, as the peer sees them: its inbound SA is the
// gateway's outbound SA and vice versa.
struct PeerSas {
  std::uint32_t inbound_spi = 0;
  std::string inbound_key, inbound_salt;
  std::uint32_t outbound_spi = 0;
  std::string outbound_key, outbound_salt;
};

PeerSas parse_sas(const std::vector<std::string>& tokens, std::size_t first) {
  BOOST_TEST_REQUIRE(tokens.size() > first);
  BOOST_TEST_REQUIRE(tokens[first] == "sa");
  std::map<std::string, std::string> v;
  for (std::size_t i = first + 1; i < tokens.size(); ++i) {
    const auto eq = tokens[i].find('=');
    BOOST_TEST_REQUIRE(eq != std::string::npos, "bad sa token " << tokens[i]);
    v[tokens[i].substr(0, eq)] = tokens[i].substr(eq + 1);
  }
  for (const char* key : {"inbound_spi", "inbound_key", "inbound_salt", "outbound_spi",
                          "outbound_key", "outbound_salt"})
    BOOST_TEST_REQUIRE(v.count(key) == 1u, "sa line without " << key);
  PeerSas s;
  s.inbound_spi = static_cast<std::uint32_t>(std::stoul(v["inbound_spi"]));
  s.inbound_key = v["inbound_key"];
  s.inbound_salt = v["inbound_salt"];
  s.outbound_spi = static_cast<std::uint32_t>(std::stoul(v["outbound_spi"]));
  s.outbound_key = v["outbound_key"];
  s.outbound_salt = v["outbound_salt"];
  BOOST_TEST(s.inbound_key.size() == 32u);
  BOOST_TEST(s.inbound_salt.size() == 8u);
  return s;
}

// The Python peer as tokyo, negotiating with paris.
class PythonPeer {
 public:
  PythonPeer() {
    BOOST_TEST_REQUIRE(::access(kPython, X_OK) == 0,
                       kPython << " is missing: install Debian's python3 and "
                                  "python3-cryptography to run the conformance tests");
    BOOST_TEST_REQUIRE(::access(kScript.c_str(), R_OK) == 0,
                       "the peer " << kScript << " is missing");
    process_ = std::make_unique<Coprocess>(std::vector<std::string>{kPython, kScript});
  }

  std::string ask(const std::string& command) {
    const std::string answer = process_->request(command);
    BOOST_TEST_MESSAGE("peer> " << command.substr(0, 120) << "\npeer< " << answer.substr(0, 120));
    return answer;
  }

  void configure(const Site& self, const Site& gateway, const char* psk, int seed) {
    BOOST_TEST_REQUIRE(ask("config role=both route_spi=" + std::to_string(kSampleRouteSpi) +
                           " psk=" + psk + " local=" + self.public_ip.to_string() +
                           " remote=" + gateway.public_ip.to_string() +
                           " seed=" + std::to_string(seed)) == "ok");
  }

  // A command answered by `send HEX`: the payload.
  Bytes send(const std::string& command) {
    const auto t = tokens_of(ask(command));
    BOOST_TEST_REQUIRE(t.size() == 2u);
    BOOST_TEST_REQUIRE(t[0] == "send");
    return unhex(t[1]);
  }
  // `recv` of a proposal: the agreement and the SAs.
  std::pair<Bytes, PeerSas> agree(const Bytes& proposal) {
    const auto t = tokens_of(ask("recv " + hex(proposal)));
    BOOST_TEST_REQUIRE(t.size() == 9u);
    BOOST_TEST_REQUIRE(t[0] == "send");
    return {unhex(t[1]), parse_sas(t, 2)};
  }
  // `recv` of an agreement: the SAs.
  PeerSas accept(const Bytes& agreement) {
    return parse_sas(tokens_of(ask("recv " + hex(agreement))), 0);
  }

  ~PythonPeer() {
    if (process_) {
      const std::string bye = process_->request("quit");
      BOOST_TEST(bye == "ok");
      BOOST_TEST(process_->finish() == 0);
    }
  }

 private:
  std::unique_ptr<Coprocess> process_;
};

// The key-exchange payload of a frame paris sent on its public port.
Bytes payload_of(const Bytes& frame, const Site& p, const Site& t) {
  const auto e = parse_ethernet(frame);
  BOOST_TEST_REQUIRE(e.has_value());
  BOOST_TEST(e->destination.to_string() == p.public_nexthop_mac.to_string());
  BOOST_TEST(e->source.to_string() == p.public_mac.to_string());
  const auto ip = parse_ip_frame(frame);
  BOOST_TEST_REQUIRE(ip.has_value());
  BOOST_TEST(ip->header_checksum_ok);
  BOOST_TEST(ip->source.to_string() == p.public_ip.to_string());
  BOOST_TEST(ip->destination.to_string() == t.public_ip.to_string());
  BOOST_TEST_REQUIRE(ip->protocol == 17);
  const auto udp = parse_udp(*ip);
  BOOST_TEST_REQUIRE(udp.has_value());
  BOOST_TEST(udp->checksum_ok);
  BOOST_TEST(udp->source_port == 303);
  BOOST_TEST(udp->destination_port == 303);
  return udp->payload;
}

// The single key-exchange payload paris sent since the last take.
Bytes sent_by_gateway(GatewayHarness& h, const Site& p, const Site& t) {
  const std::vector<Bytes> out = h.take_public();
  BOOST_TEST_REQUIRE(out.size() == 1u);
  return payload_of(out[0], p, t);
}

// A payload from the peer, as UDP from tokyo's public address into paris.
void deliver(GatewayHarness& h, const Site& p, const Site& t, const Bytes& payload) {
  h.send_public(key_exchange_frame(p, p.public_ip, t.public_ip, payload));
  h.run();
}

// The gateway's answer to a payload from the peer.
Bytes answer_of_gateway(GatewayHarness& h, const Site& p, const Site& t, const Bytes& payload) {
  deliver(h, p, t, payload);
  return sent_by_gateway(h, p, t);
}

// The gateway holds the SAs the peer derived: its outbound SA is the peer's
// inbound one and the other way round.
void check_installed(GatewayHarness& h, const PeerSas& sas) {
  const tunnel::SaDatabase& db = h.worker().sas();
  BOOST_TEST_REQUIRE(db.outbound(0) != nullptr);
  BOOST_TEST(db.outbound(0)->spi() == sas.inbound_spi);
  BOOST_TEST(db.inbound(sas.outbound_spi) != nullptr);
  BOOST_TEST(db.inbound_count() == 1u);
  BOOST_TEST(h.worker().key_manager()->routes_with_outbound_sa() == 1u);
}

// Scenario 3: ESP both ways between the peer and the gateway.
void check_esp(GatewayHarness& h, PythonPeer& peer, const PeerSas& sas, const Site& p,
               const Site& t, std::uint64_t sequence) {
  const std::string next = is_ipv4(p.family) ? "4" : "41";

  // Peer -> gateway: decrypted, forwarded to paris's LAN router.
  const Bytes inner_in = udp_packet(t.host_ip, p.host_ip, 4000, 5000, pattern(100, 3));
  const auto e = tokens_of(peer.ask("esp-encrypt spi=" + std::to_string(sas.outbound_spi) +
                                    " key=" + sas.outbound_key + " salt=" + sas.outbound_salt +
                                    " seq=" + std::to_string(sequence) + " next=" + next +
                                    " inner=" + hex(inner_in)));
  BOOST_TEST_REQUIRE(e.size() == 2u);
  BOOST_TEST_REQUIRE(e[0] == "esp");
  h.send_public(tunnel_frame(p, t, unhex(e[1])));
  h.run();
  const std::vector<Bytes> lan = h.take_private();
  BOOST_TEST_REQUIRE(lan.size() == 1u);
  const auto le = parse_ethernet(lan[0]);
  BOOST_TEST_REQUIRE(le.has_value());
  BOOST_TEST(le->destination.to_string() == p.private_nexthop_mac.to_string());
  const auto li = parse_ip_frame(lan[0]);
  BOOST_TEST_REQUIRE(li.has_value());
  BOOST_TEST(li->packet == with_ttl(inner_in, 63));
  BOOST_TEST(h.take_public().empty());

  // Gateway -> peer: what paris encrypts, the peer decrypts.
  const Bytes inner_out = udp_packet(p.host_ip, t.host_ip, 5000, 4000, pattern(200, 5));
  h.send_private(lan_frame(p, inner_out));
  h.run();
  const std::vector<Bytes> wan = h.take_public();
  BOOST_TEST_REQUIRE(wan.size() == 1u);
  const auto wi = parse_ip_frame(wan[0]);
  BOOST_TEST_REQUIRE(wi.has_value());
  BOOST_TEST(wi->protocol == 50);
  BOOST_TEST(wi->source.to_string() == p.public_ip.to_string());
  BOOST_TEST(wi->destination.to_string() == t.public_ip.to_string());
  const auto d = tokens_of(peer.ask("esp-decrypt spi=" + std::to_string(sas.inbound_spi) +
                                    " key=" + sas.inbound_key + " salt=" + sas.inbound_salt +
                                    " seq_hi=0 esp=" + hex(wi->payload)));
  BOOST_TEST_REQUIRE(d.size() == 3u);
  BOOST_TEST_REQUIRE(d[0] == "inner");
  BOOST_TEST(unhex(d[1]) == with_ttl(inner_out, 63));
  BOOST_TEST(d[2] == "next=" + next);

  // A packet the peer sealed with a key that is not the SA's is dropped.
  std::string wrong_key = sas.outbound_key;
  wrong_key[0] = wrong_key[0] == '0' ? '1' : '0';
  const auto forged = tokens_of(peer.ask("esp-encrypt spi=" + std::to_string(sas.outbound_spi) +
                                         " key=" + wrong_key + " salt=" + sas.outbound_salt +
                                         " seq=" + std::to_string(sequence + 1) + " next=" + next +
                                         " inner=" + hex(inner_in)));
  BOOST_TEST_REQUIRE(forged.size() == 2u);
  h.send_public(tunnel_frame(p, t, unhex(forged[1])));
  h.run();
  BOOST_TEST(h.take_private().empty());
  BOOST_TEST(h.pool().available() == h.pool().count());
}

void check_clean(GatewayHarness& h) {
  const auto c = h.worker().key_manager_counters();
  BOOST_TEST(c.protocol_errors == 0u);
  BOOST_TEST(c.authentication_errors == 0u);
  BOOST_TEST(c.route_errors == 0u);
  BOOST_TEST(c.rxerrors == 0u);
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_gateway_initiates_and_the_python_peer_responds) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t, key_exchange_options()));
      PythonPeer peer;
      peer.configure(t, p, kSamplePresharedKey, 7);
      h.run();  // the key manager knocks as soon as it starts
      const Bytes knock = sent_by_gateway(h, p, t);
      const Bytes challenge = peer.send("recv " + hex(knock));
      const Bytes proposal = answer_of_gateway(h, p, t, challenge);
      const auto [agreement, sas] = peer.agree(proposal);
      deliver(h, p, t, agreement);
      BOOST_TEST(h.take_public().empty());

      const auto c = h.worker().key_manager_counters();
      BOOST_TEST(c.negotiations_initiated == 1u);
      BOOST_TEST(c.challenges_accepted == 1u);
      BOOST_TEST(c.keypairs_negotiated == 1u);
      BOOST_TEST(h.worker().key_manager()->negotiations_in_flight() == 0u);
      check_clean(h);
      check_installed(h, sas);
      check_esp(h, peer, sas, p, t, 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_python_peer_initiates_and_the_gateway_responds) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t, key_exchange_options()));
      PythonPeer peer;
      peer.configure(t, p, kSamplePresharedKey, 11);
      h.run();
      sent_by_gateway(h, p, t);  // the gateway's own knock, lost on the way
      const Bytes knock = peer.send("knock");
      const Bytes challenge = answer_of_gateway(h, p, t, knock);
      const Bytes proposal = peer.send("recv " + hex(challenge));
      const Bytes agreement = answer_of_gateway(h, p, t, proposal);
      const PeerSas sas = peer.accept(agreement);

      const auto c = h.worker().key_manager_counters();
      BOOST_TEST(c.challenges_offered == 1u);
      BOOST_TEST(c.keypairs_offered == 1u);
      BOOST_TEST(c.keypairs_negotiated == 0u);
      check_clean(h);
      check_installed(h, sas);
      // Sequence numbers beyond 2^32 are not needed: a later one is fine.
      check_esp(h, peer, sas, p, t, 1000);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_wrong_preshared_key_gives_no_sas_and_the_gateway_retries) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      const Site p = paris(f), t = tokyo(f);
      GatewayHarness h(site_config(p, t, key_exchange_options()));
      PythonPeer peer;
      peer.configure(t, p, kWrongPsk, 13);

      // The gateway initiates: the peer refuses its proposal.
      h.run();
      const Bytes knock = sent_by_gateway(h, p, t);
      const Bytes challenge = peer.send("recv " + hex(knock));
      const Bytes proposal = answer_of_gateway(h, p, t, challenge);
      BOOST_TEST(peer.ask("recv " + hex(proposal)) == "error authentication");

      // The peer initiates: the gateway refuses its proposal, answers
      // nothing and counts an authentication error.
      const Bytes peer_knock = peer.send("knock");
      const Bytes gateway_challenge = answer_of_gateway(h, p, t, peer_knock);
      const Bytes peer_proposal = peer.send("recv " + hex(gateway_challenge));
      deliver(h, p, t, peer_proposal);
      BOOST_TEST(h.take_public().empty());
      auto c = h.worker().key_manager_counters();
      BOOST_TEST(c.authentication_errors == 1u);
      BOOST_TEST(c.keypairs_offered == 0u);
      BOOST_TEST(c.keypairs_negotiated == 0u);
      BOOST_TEST(h.worker().sas().outbound(0) == nullptr);
      BOOST_TEST(h.worker().sas().inbound_count() == 0u);

      // Nothing happens before negotiation-ttl (5 s) has passed ...
      h.clock().advance(4 * base::kSecond);
      h.run();
      BOOST_TEST(h.take_public().empty());
      // ... then the negotiation expires and the gateway knocks again.
      h.clock().advance(1 * base::kSecond);
      h.run();
      const Bytes again = sent_by_gateway(h, p, t);
      c = h.worker().key_manager_counters();
      BOOST_TEST(c.negotiations_expired == 1u);
      BOOST_TEST(c.negotiations_initiated == 2u);

      // With the right key it completes.
      peer.configure(t, p, kSamplePresharedKey, 17);
      const Bytes challenge2 = peer.send("recv " + hex(again));
      const Bytes proposal2 = answer_of_gateway(h, p, t, challenge2);
      const auto [agreement, sas] = peer.agree(proposal2);
      deliver(h, p, t, agreement);
      BOOST_TEST(h.worker().key_manager_counters().keypairs_negotiated == 1u);
      BOOST_TEST(h.worker().key_manager_counters().authentication_errors == 1u);
      check_installed(h, sas);
      check_esp(h, peer, sas, p, t, 1);
    }
  }
}
