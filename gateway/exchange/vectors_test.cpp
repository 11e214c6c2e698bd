#define BOOST_TEST_MODULE exchange_vectors
// PROTOCOL.md section 2 against conformance/vectors/vita-ske-v5.json (from
// an implementation checked against a live Vita node): the prologue, every
// message of both exchanges as UDP payloads, and the four derived SAs, with
// the vectors' fixed ephemeral keys, responder nonce and SPIs.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <span>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "exchange/initiator.hpp"
#include "exchange/messages.hpp"
#include "exchange/responder.hpp"
#include "exchange/scripted_random.hpp"
#include "exchange/test_vectors.hpp"

using namespace strait;
using namespace strait::exchange;
using base::encode_hex;

namespace {

const std::vector<test::ExchangeVector>& vectors() {
  static const auto all =
      test::load_exchange_vectors(std::string(STRAIT_VECTORS_DIR) + "/vita-ske-v5.json");
  return all;
}

net::Address address(const std::vector<std::uint8_t>& bytes) {
  BOOST_REQUIRE(bytes.size() == 4u || bytes.size() == 16u);
  return bytes.size() == 4 ? net::Address::ipv4(bytes.data()) : net::Address::ipv6(bytes.data());
}

std::span<const std::uint8_t, 32> key32(const std::vector<std::uint8_t>& bytes) {
  BOOST_REQUIRE(bytes.size() == 32u);
  return std::span<const std::uint8_t, 32>(bytes.data(), 32);
}

void check_sa(const SaKeys& sa, const test::VectorSa& expected) {
  BOOST_TEST(sa.spi == expected.spi);
  BOOST_TEST(encode_hex(sa.key) == encode_hex(expected.key));
  BOOST_TEST(encode_hex(sa.salt) == encode_hex(expected.salt));
}

}  // namespace

BOOST_AUTO_TEST_CASE(vectors_file_has_both_exchanges) {
  BOOST_REQUIRE(vectors().size() == 2u);
  BOOST_TEST(vectors()[0].name == "ipv4");
  BOOST_TEST(vectors()[1].name == "ipv6");
}

BOOST_AUTO_TEST_CASE(prologue_matches_vectors) {
  for (const auto& v : vectors()) {
    BOOST_TEST_CONTEXT(v.name) {
      const auto prologue = build_prologue(v.route_spi, address(v.initiator_address),
                                           address(v.responder_address), key32(v.responder_nonce));
      BOOST_TEST(prologue.size() == 104u);  // not 116, see messages.hpp
      BOOST_TEST(encode_hex(prologue) == encode_hex(v.prologue));
    }
  }
}

BOOST_AUTO_TEST_CASE(both_roles_reproduce_every_message_and_sa) {
  for (const auto& v : vectors()) {
    BOOST_TEST_CONTEXT(v.name) {
      ScriptedRandom initiator_random, responder_random;
      initiator_random.push(v.initiator_ephemeral_sk);
      responder_random.push(v.responder_nonce);         // drawn at construction
      responder_random.push(v.responder_ephemeral_sk);  // drawn in on_proposal
      // Initiator identity first on both sides (PROTOCOL.md 2.3 "Prologue").
      Initiator initiator(v.route_spi, key32(v.psk), address(v.initiator_address),
                          address(v.responder_address), initiator_random);
      Responder responder(v.route_spi, key32(v.psk), address(v.responder_address),
                          address(v.initiator_address), responder_random);
      BOOST_TEST(encode_hex(responder.nonce()) == encode_hex(v.responder_nonce));

      const auto knock = initiator.knock();
      BOOST_TEST(encode_hex(knock) == encode_hex(v.knock));

      auto challenge = responder.on_knock(knock);
      BOOST_REQUIRE(challenge.ok());
      BOOST_TEST(encode_hex(challenge.value()) == encode_hex(v.challenge));

      auto proposal = initiator.on_challenge(challenge.value(), v.initiator_spi);
      BOOST_REQUIRE(proposal.ok());
      BOOST_TEST(encode_hex(proposal.value()) == encode_hex(v.proposal));

      auto agreement = responder.on_proposal(proposal.value(), v.responder_spi);
      BOOST_REQUIRE(agreement.ok());
      BOOST_TEST(encode_hex(agreement->payload) == encode_hex(v.agreement));
      check_sa(agreement->sas.inbound, v.responder_inbound);
      check_sa(agreement->sas.outbound, v.responder_outbound);

      auto sas = initiator.on_agreement(agreement->payload);
      BOOST_REQUIRE(sas.ok());
      check_sa(sas->inbound, v.initiator_inbound);
      check_sa(sas->outbound, v.initiator_outbound);

      BOOST_TEST(initiator_random.pending() == 0u);
      BOOST_TEST(responder_random.pending() == 0u);
      BOOST_TEST((initiator.state() == Initiator::State::kIdle));
      // The exchange completed: the responder has a new nonce.
      BOOST_TEST(encode_hex(responder.nonce()) != encode_hex(v.responder_nonce));
    }
  }
}

BOOST_AUTO_TEST_CASE(each_role_accepts_the_vectors_messages_alone) {
  // Each role against the recorded messages of the other (not against our
  // own peer): the responder answers the recorded proposal, the initiator
  // accepts the recorded challenge and agreement.
  for (const auto& v : vectors()) {
    BOOST_TEST_CONTEXT(v.name) {
      ScriptedRandom responder_random;
      responder_random.push(v.responder_nonce);
      responder_random.push(v.responder_ephemeral_sk);
      Responder responder(v.route_spi, key32(v.psk), address(v.responder_address),
                          address(v.initiator_address), responder_random);
      auto challenge = responder.on_knock(v.knock);
      BOOST_REQUIRE(challenge.ok());
      BOOST_TEST(encode_hex(challenge.value()) == encode_hex(v.challenge));
      auto agreement = responder.on_proposal(v.proposal, v.responder_spi);
      BOOST_REQUIRE(agreement.ok());
      BOOST_TEST(encode_hex(agreement->payload) == encode_hex(v.agreement));

      ScriptedRandom initiator_random;
      initiator_random.push(v.initiator_ephemeral_sk);
      Initiator initiator(v.route_spi, key32(v.psk), address(v.initiator_address),
                          address(v.responder_address), initiator_random);
      (void)initiator.knock();
      auto proposal = initiator.on_challenge(v.challenge, v.initiator_spi);
      BOOST_REQUIRE(proposal.ok());
      BOOST_TEST(encode_hex(proposal.value()) == encode_hex(v.proposal));
      auto sas = initiator.on_agreement(v.agreement);
      BOOST_REQUIRE(sas.ok());
      check_sa(sas->inbound, v.initiator_inbound);
      check_sa(sas->outbound, v.initiator_outbound);
    }
  }
}
