#define BOOST_TEST_MODULE exchange_handshake
// The Initiator and Responder state machines (PROTOCOL.md 2.2, 2.3) against
// each other with random keys, and against every kind of bad input: each
// yields no SA, the exact error, and no state change (or the documented
// rollback).

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "base/random.hpp"
#include "exchange/initiator.hpp"
#include "exchange/responder.hpp"
#include "exchange/symmetric_state.hpp"
#include "exchange/x25519.hpp"

using namespace strait;
using namespace strait::exchange;
using base::encode_hex;
using Bytes = std::vector<std::uint8_t>;
using State = Initiator::State;

namespace {

using Psk = std::array<std::uint8_t, 32>;
const Psk kPsk = [] {
  Psk p{};
  for (std::size_t i = 0; i < p.size(); ++i)
    p[i] = static_cast<std::uint8_t>(0x10 + i);
  return p;
}();
const Psk kOtherPsk = [] {
  Psk p = kPsk;
  p[31] ^= 1;
  return p;
}();

net::Address addr(const char* text) {
  return *net::Address::parse(text);
}

template <class T>
bool fails_with(const Outcome<T>& outcome, Error error) {
  return !outcome.ok() && outcome.error() == error;
}

template <std::size_t N>
Bytes bytes(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

struct Config {
  std::uint32_t initiator_route = 1001;
  std::uint32_t responder_route = 1001;
  Psk initiator_psk = kPsk;
  Psk responder_psk = kPsk;
  // The initiator's view: its identity and the route's gateway.
  net::Address initiator_self = addr("10.70.0.2");
  net::Address initiator_gateway = addr("10.70.0.1");
  // The responder's view: its identity and the route's gateway.
  net::Address responder_self = addr("10.70.0.1");
  net::Address responder_gateway = addr("10.70.0.2");
};

struct Peers {
  explicit Peers(const Config& c = {}, std::uint64_t seed = 7)
      : initiator_random(seed),
        responder_random(seed + 1000),
        initiator(c.initiator_route, c.initiator_psk, c.initiator_self, c.initiator_gateway,
                  initiator_random),
        responder(c.responder_route, c.responder_psk, c.responder_self, c.responder_gateway,
                  responder_random) {}

  Bytes knock() { return bytes(initiator.knock()); }
  Bytes challenge() { return bytes(responder.on_knock(knock()).value()); }
  Bytes proposal(std::uint32_t rx_spi = 4242) {
    return bytes(initiator.on_challenge(challenge(), rx_spi).value());
  }

  base::SeededRandom initiator_random;
  base::SeededRandom responder_random;
  Initiator initiator;
  Responder responder;
};

Bytes nonce_of(const Responder& r) {
  return Bytes(r.nonce().begin(), r.nonce().end());
}

bool same(const SaKeys& a, const SaKeys& b) {
  return a.spi == b.spi && a.key == b.key && a.salt == b.salt;
}

// Builds a proposal as an initiator would, but with any ephemeral public key
// and payload SPI (to reach the responder's checks behind authentication).
Bytes craft_proposal(std::uint32_t route_spi, const Psk& psk, const net::Address& initiator_address,
                     const net::Address& responder_address, const Bytes& nonce,
                     const std::array<std::uint8_t, 32>& ne, std::uint32_t spi) {
  SymmetricState s;
  const auto prologue = build_prologue(route_spi, initiator_address, responder_address,
                                       std::span<const std::uint8_t, 32>(nonce.data(), 32));
  s.initialize(prologue, psk);
  s.mix_hash(ne);
  s.mix_key(ne);
  Bytes out(kHeaderSize + kProposalSize);
  write_header(std::span(out).first<kHeaderSize>(), route_spi, MessageType::kProposal);
  std::copy(ne.begin(), ne.end(), out.begin() + kHeaderSize);
  BOOST_REQUIRE(s.encrypt_and_hash(encode_spi_payload(spi), std::span(out).subspan(40)).ok());
  return out;
}

// Answers a proposal as a responder would, but with any ephemeral key pair
// (a low-order "public key" allowed) and payload SPI.
Bytes craft_agreement(const Config& c, const Bytes& nonce, const Bytes& proposal,
                      const std::array<std::uint8_t, 32>& e_sk,
                      const std::array<std::uint8_t, 32>& ne, std::uint32_t spi) {
  SymmetricState s;
  const auto prologue = build_prologue(c.responder_route, c.responder_gateway, c.responder_self,
                                       std::span<const std::uint8_t, 32>(nonce.data(), 32));
  s.initialize(prologue, c.responder_psk);
  const auto re = std::span<const std::uint8_t>(proposal).subspan(8).first<32>();
  s.mix_hash(re);
  s.mix_key(re);
  std::array<std::uint8_t, 32> plain{};
  BOOST_REQUIRE(s.decrypt_and_hash(std::span(proposal).subspan(40), plain).ok());
  std::array<std::uint8_t, 32> q{};
  BOOST_REQUIRE(x25519(e_sk, re, q));
  s.mix_hash(ne);
  s.mix_key(ne);
  s.mix_key(q);
  Bytes out(kHeaderSize + kAgreementSize);
  write_header(std::span(out).first<kHeaderSize>(), c.responder_route, MessageType::kAgreement);
  std::copy(ne.begin(), ne.end(), out.begin() + kHeaderSize);
  BOOST_REQUIRE(s.encrypt_and_hash(encode_spi_payload(spi), std::span(out).subspan(40)).ok());
  return out;
}

std::array<std::uint8_t, 32> hex32(const char* text) {
  auto b = base::decode_hex(text).value();
  std::array<std::uint8_t, 32> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

// Low-order X25519 points (orders 1, 2, 4, 8 and non-canonical forms).
const char* const kLowOrder[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000080",
};

}  // namespace

BOOST_AUTO_TEST_CASE(random_exchanges_give_mirrored_sas) {
  base::SystemRandom ri, rr;
  Initiator initiator(70000, kPsk, addr("2001:db8::2"), addr("2001:db8::1"), ri);
  Responder responder(70000, kPsk, addr("2001:db8::1"), addr("2001:db8::2"), rr);
  std::vector<std::string> keys;
  for (std::uint32_t i = 0; i < 20; ++i) {
    BOOST_TEST((initiator.state() == State::kIdle));
    const Bytes nonce_before = nonce_of(responder);
    auto challenge = responder.on_knock(initiator.knock());
    BOOST_REQUIRE(challenge.ok());
    BOOST_TEST((initiator.state() == State::kAwaitingChallenge));
    auto proposal = initiator.on_challenge(challenge.value(), 1000 + i);
    BOOST_REQUIRE(proposal.ok());
    BOOST_TEST((initiator.state() == State::kAwaitingAgreement));
    auto agreement = responder.on_proposal(proposal.value(), 5000 + i);
    BOOST_REQUIRE(agreement.ok());
    BOOST_TEST(nonce_of(responder) != nonce_before);
    auto sas = initiator.on_agreement(agreement->payload);
    BOOST_REQUIRE(sas.ok());
    BOOST_TEST((initiator.state() == State::kIdle));
    BOOST_TEST(sas->inbound.spi == 1000 + i);
    BOOST_TEST(sas->outbound.spi == 5000 + i);
    BOOST_TEST(same(sas->inbound, agreement->sas.outbound));
    BOOST_TEST(same(sas->outbound, agreement->sas.inbound));
    BOOST_TEST(sas->inbound.key != sas->outbound.key);
    keys.push_back(encode_hex(sas->inbound.key));
  }
  std::sort(keys.begin(), keys.end());
  BOOST_TEST((std::unique(keys.begin(), keys.end()) == keys.end()));  // fresh keys each time
}

BOOST_AUTO_TEST_CASE(knock_changes_no_responder_state) {
  Peers p;
  const Bytes nonce = nonce_of(p.responder);
  const Bytes c1 = p.challenge();
  const Bytes c2 = p.challenge();
  BOOST_TEST(c1 == c2);
  BOOST_TEST(nonce_of(p.responder) == nonce);
  BOOST_TEST(Bytes(c1.end() - 32, c1.end()) == nonce);
  // A knock in the middle of an exchange changes nothing either.
  const Bytes proposal = bytes(p.initiator.on_challenge(c1, 300).value());
  BOOST_TEST(p.responder.on_knock(p.knock()).ok());
  BOOST_TEST(p.responder.on_proposal(proposal, 301).ok());
}

BOOST_AUTO_TEST_CASE(wrong_psk_fails_authentication_and_changes_nothing) {
  Config c;
  c.responder_psk = kOtherPsk;
  Peers p(c);
  const Bytes nonce = nonce_of(p.responder);
  auto result = p.responder.on_proposal(p.proposal(), 256);
  BOOST_TEST(fails_with(result, Error::kAuthentication));
  BOOST_TEST(nonce_of(p.responder) == nonce);
}

BOOST_AUTO_TEST_CASE(route_spi_mismatch) {
  // In the header: a route error at either role.
  {
    Config c;
    c.responder_route = 1002;
    Peers p(c);
    BOOST_TEST(fails_with(p.responder.on_knock(p.knock()), Error::kRoute));
  }
  {
    Peers p;
    const Bytes challenge = p.challenge();
    Bytes other = challenge;
    other[3] ^= 0x01;
    BOOST_TEST(fails_with(p.initiator.on_challenge(other, 256), Error::kRoute));
    BOOST_TEST((p.initiator.state() == State::kAwaitingChallenge));
  }
  // Only in the prologue (headers rewritten in transit): authentication.
  Config c;
  c.responder_route = 1002;
  Peers p(c);
  Bytes knock = p.knock();
  store_be32(knock.data(), 1002);
  Bytes challenge = bytes(p.responder.on_knock(knock).value());
  store_be32(challenge.data(), 1001);
  Bytes proposal = bytes(p.initiator.on_challenge(challenge, 256).value());
  store_be32(proposal.data(), 1002);
  BOOST_TEST(fails_with(p.responder.on_proposal(proposal, 257), Error::kAuthentication));
}

BOOST_AUTO_TEST_CASE(mismatched_addresses_fail_authentication) {
  std::vector<Config> configs(4);
  configs[0].responder_gateway = addr("10.70.0.3");  // responder expects another initiator
  configs[1].initiator_gateway = addr("10.70.0.9");  // initiator has another gateway address
  configs[2].responder_self = addr("10.70.0.2");     // both put their own address first
  configs[2].responder_gateway = addr("10.70.0.1");
  configs[3].responder_gateway = addr("::ffff:10.70.0.2");  // same bits, other family
  for (std::size_t i = 0; i < configs.size(); ++i) {
    Peers p(configs[i]);
    const Bytes nonce = nonce_of(p.responder);
    BOOST_TEST(fails_with(p.responder.on_proposal(p.proposal(), 256), Error::kAuthentication),
               "config " << i);
    BOOST_TEST(nonce_of(p.responder) == nonce);
  }
}

BOOST_AUTO_TEST_CASE(wrong_version) {
  Peers p;
  Bytes knock = p.knock();
  for (std::uint32_t version : {0u, 4u, 6u, 0x05000000u, 0xffffffffu}) {
    store_be32(knock.data() + 8, version);
    BOOST_TEST(fails_with(p.responder.on_knock(knock), Error::kVersion));
    Bytes challenge = p.challenge();
    store_be32(challenge.data() + 8, version);
    BOOST_TEST(fails_with(p.initiator.on_challenge(challenge, 256), Error::kVersion));
    BOOST_TEST((p.initiator.state() == State::kAwaitingChallenge));
    BOOST_TEST(p.initiator.on_challenge(p.responder.on_knock(p.knock()).value(), 256).ok());
  }
}

BOOST_AUTO_TEST_CASE(wrong_aead_is_a_parameter_error) {
  Peers p;
  const Bytes good = p.challenge();
  for (std::size_t i = 12; i < 12 + 32; ++i) {
    Bytes challenge = good;
    challenge[i] ^= 0x20;
    BOOST_TEST(fails_with(p.initiator.on_challenge(challenge, 256), Error::kParameter), i);
    BOOST_TEST((p.initiator.state() == State::kAwaitingChallenge));
  }
  BOOST_TEST(p.initiator.on_challenge(good, 256).ok());
}

BOOST_AUTO_TEST_CASE(spis_below_256_are_parameter_errors) {
  Peers p;
  const Bytes challenge = p.challenge();
  BOOST_TEST(fails_with(p.initiator.on_challenge(challenge, 255), Error::kParameter));
  BOOST_TEST((p.initiator.state() == State::kAwaitingChallenge));
  const Bytes proposal = bytes(p.initiator.on_challenge(challenge, 256).value());
  const Bytes nonce = nonce_of(p.responder);
  BOOST_TEST(fails_with(p.responder.on_proposal(proposal, 0), Error::kParameter));
  BOOST_TEST(nonce_of(p.responder) == nonce);

  // An authentic proposal carrying SPI 255: rejected, nothing changes.
  Config c;
  std::array<std::uint8_t, 32> sk{}, pk{};
  sk.fill(0x42);
  BOOST_REQUIRE(x25519_public_key(sk, pk));
  const Bytes bad = craft_proposal(c.initiator_route, kPsk, c.initiator_self, c.initiator_gateway,
                                   nonce, pk, 255);
  BOOST_TEST(fails_with(p.responder.on_proposal(bad, 256), Error::kParameter));
  BOOST_TEST(nonce_of(p.responder) == nonce);
  const Bytes fine = craft_proposal(c.initiator_route, kPsk, c.initiator_self, c.initiator_gateway,
                                    nonce, pk, 256);
  BOOST_TEST(p.responder.on_proposal(fine, 256).ok());

  // An authentic agreement carrying SPI 0: rejected and rolled back.
  Peers q;
  const Bytes q_nonce = nonce_of(q.responder);
  const Bytes q_proposal = q.proposal(777);
  const Bytes low = craft_agreement(c, q_nonce, q_proposal, sk, pk, 0);
  BOOST_TEST(fails_with(q.initiator.on_agreement(low), Error::kParameter));
  BOOST_TEST((q.initiator.state() == State::kAwaitingAgreement));
  const Bytes ok = craft_agreement(c, q_nonce, q_proposal, sk, pk, 9999);
  auto sas = q.initiator.on_agreement(ok);
  BOOST_REQUIRE(sas.ok());
  BOOST_TEST(sas->outbound.spi == 9999u);
  BOOST_TEST(sas->inbound.spi == 777u);
}

BOOST_AUTO_TEST_CASE(every_wrong_length_is_a_protocol_error) {
  Peers p;
  const Bytes knock = p.knock();
  const Bytes challenge = p.challenge();
  const Bytes proposal = bytes(p.initiator.on_challenge(challenge, 256).value());
  auto agreement = p.responder.on_proposal(proposal, 256);
  BOOST_REQUIRE(agreement.ok());
  const Bytes agreement_bytes = bytes(agreement->payload);

  Peers q;  // fresh roles to feed the malformed messages to
  const Bytes q_challenge = q.challenge();
  const Bytes q_nonce = nonce_of(q.responder);
  auto resize = [](Bytes b, std::size_t n) {
    b.resize(n, 0);
    return b;
  };
  for (std::size_t n = 0; n <= 128; ++n) {
    if (n != knock.size())
      BOOST_TEST(fails_with(q.responder.on_knock(resize(knock, n)), Error::kProtocol), n);
    if (n != proposal.size())
      BOOST_TEST(fails_with(q.responder.on_proposal(resize(proposal, n), 256), Error::kProtocol),
                 n);
    if (n != challenge.size()) {
      BOOST_TEST(
          fails_with(q.initiator.on_challenge(resize(q_challenge, n), 256), Error::kProtocol), n);
    }
  }
  BOOST_TEST(nonce_of(q.responder) == q_nonce);
  BOOST_TEST((q.initiator.state() == State::kAwaitingChallenge));
  const Bytes q_proposal = bytes(q.initiator.on_challenge(q_challenge, 256).value());
  auto q_agreement = q.responder.on_proposal(q_proposal, 256);
  BOOST_REQUIRE(q_agreement.ok());
  for (std::size_t n = 0; n <= 128; ++n) {
    if (n == agreement_bytes.size()) continue;
    BOOST_TEST(fails_with(q.initiator.on_agreement(resize(bytes(q_agreement->payload), n)),
                          Error::kProtocol),
               n);
  }
  BOOST_TEST((q.initiator.state() == State::kAwaitingAgreement));
  BOOST_TEST(q.initiator.on_agreement(q_agreement->payload).ok());
}

BOOST_AUTO_TEST_CASE(replays_are_rejected) {
  Peers p;
  const Bytes proposal = p.proposal();
  auto agreement = p.responder.on_proposal(proposal, 300);
  BOOST_REQUIRE(agreement.ok());
  BOOST_REQUIRE(p.initiator.on_agreement(agreement->payload).ok());

  // Proposal replayed after completion: the nonce changed.
  const Bytes nonce = nonce_of(p.responder);
  BOOST_TEST(fails_with(p.responder.on_proposal(proposal, 300), Error::kAuthentication));
  BOOST_TEST(nonce_of(p.responder) == nonce);
  // Agreement replayed to an idle initiator: unexpected.
  BOOST_TEST(fails_with(p.initiator.on_agreement(agreement->payload), Error::kProtocol));
  BOOST_TEST((p.initiator.state() == State::kIdle));
  // ... and to the next exchange: fails authentication, rolled back, and the
  // genuine agreement still completes it.
  const Bytes proposal2 = p.proposal();
  BOOST_TEST(fails_with(p.initiator.on_agreement(agreement->payload), Error::kAuthentication));
  BOOST_TEST((p.initiator.state() == State::kAwaitingAgreement));
  auto agreement2 = p.responder.on_proposal(proposal2, 301);
  BOOST_REQUIRE(agreement2.ok());
  auto sas = p.initiator.on_agreement(agreement2->payload);
  BOOST_REQUIRE(sas.ok());
  BOOST_TEST(same(sas->inbound, agreement2->sas.outbound));
}

BOOST_AUTO_TEST_CASE(low_order_public_keys_are_public_key_errors) {
  Config c;
  for (const char* point : kLowOrder) {
    const auto ne = hex32(point);
    // Responder: an authentic proposal with a low-order key.
    Peers p;
    const Bytes nonce = nonce_of(p.responder);
    const Bytes bad = craft_proposal(c.initiator_route, kPsk, c.initiator_self, c.initiator_gateway,
                                     nonce, ne, 4242);
    BOOST_TEST(fails_with(p.responder.on_proposal(bad, 256), Error::kPublicKey), point);
    BOOST_TEST(nonce_of(p.responder) == nonce);

    // Initiator: an agreement with a low-order key, rolled back.
    const Bytes proposal = p.proposal();
    auto genuine = p.responder.on_proposal(proposal, 256);
    BOOST_REQUIRE(genuine.ok());
    Bytes forged = bytes(genuine->payload);
    std::copy(ne.begin(), ne.end(), forged.begin() + 8);
    BOOST_TEST(fails_with(p.initiator.on_agreement(forged), Error::kPublicKey), point);
    BOOST_TEST((p.initiator.state() == State::kAwaitingAgreement));
    BOOST_TEST(p.initiator.on_agreement(genuine->payload).ok());
  }
}

BOOST_AUTO_TEST_CASE(unexpected_messages_per_state) {
  Peers p;
  const Bytes knock = p.knock();
  const Bytes challenge = p.challenge();
  const Bytes proposal = bytes(p.initiator.on_challenge(challenge, 256).value());
  auto agreement = p.responder.on_proposal(proposal, 256);
  BOOST_REQUIRE(agreement.ok());
  const Bytes agreement_bytes = bytes(agreement->payload);
  BOOST_REQUIRE(p.initiator.on_agreement(agreement_bytes).ok());

  // Responder: only knocks and proposals.
  for (const Bytes* m : {&challenge, &agreement_bytes}) {
    BOOST_TEST(fails_with(p.responder.on_knock(*m), Error::kProtocol));
    BOOST_TEST(fails_with(p.responder.on_proposal(*m, 256), Error::kProtocol));
  }
  BOOST_TEST(fails_with(p.responder.on_knock(proposal), Error::kProtocol));
  BOOST_TEST(fails_with(p.responder.on_proposal(knock, 256), Error::kProtocol));

  // Initiator: in every state, every message other than the one expected.
  Peers q;
  const std::vector<const Bytes*> all = {&knock, &challenge, &proposal, &agreement_bytes};
  auto check_state = [&](State state) {
    for (const Bytes* m : all) {
      if (!(state == State::kAwaitingChallenge && m == &challenge))
        BOOST_TEST(fails_with(q.initiator.on_challenge(*m, 256), Error::kProtocol));
      // (agreement in kAwaitingAgreement is tested for authenticity elsewhere)
      if (!(state == State::kAwaitingAgreement && m == &agreement_bytes))
        BOOST_TEST(fails_with(q.initiator.on_agreement(*m), Error::kProtocol));
      BOOST_TEST((q.initiator.state() == state));
    }
  };
  check_state(State::kIdle);
  const Bytes q_knock = q.knock();
  check_state(State::kAwaitingChallenge);
  BOOST_REQUIRE(q.initiator.on_challenge(q.responder.on_knock(q_knock).value(), 256).ok());
  check_state(State::kAwaitingAgreement);
}

BOOST_AUTO_TEST_CASE(flipped_bits_in_every_byte_of_a_proposal) {
  Peers p;
  const Bytes proposal = p.proposal();
  const Bytes nonce = nonce_of(p.responder);
  for (std::size_t i = 0; i < proposal.size(); ++i) {
    if (i >= 5 && i < 8) continue;  // reserved: ignored, see below
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = proposal;
      bad[i] ^= static_cast<std::uint8_t>(1 << bit);
      const Error expected = i < 4   ? Error::kRoute
                             : i < 8 ? Error::kProtocol  // type
                                     : Error::kAuthentication;
      BOOST_TEST(fails_with(p.responder.on_proposal(bad, 256), expected),
                 "byte " << i << " bit " << bit);
    }
  }
  BOOST_TEST(nonce_of(p.responder) == nonce);
  BOOST_TEST(p.responder.on_proposal(proposal, 256).ok());
}

BOOST_AUTO_TEST_CASE(flipped_bits_in_every_byte_of_an_agreement) {
  Peers p;
  auto agreement = p.responder.on_proposal(p.proposal(), 256);
  BOOST_REQUIRE(agreement.ok());
  const Bytes good = bytes(agreement->payload);
  for (std::size_t i = 0; i < good.size(); ++i) {
    if (i >= 5 && i < 8) continue;  // reserved: ignored, see below
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = good;
      bad[i] ^= static_cast<std::uint8_t>(1 << bit);
      const Error expected = i < 4   ? Error::kRoute
                             : i < 8 ? Error::kProtocol
                                     : Error::kAuthentication;  // incl. the ignored top bit of ne
      BOOST_TEST(fails_with(p.initiator.on_agreement(bad), expected),
                 "byte " << i << " bit " << bit);
      BOOST_TEST((p.initiator.state() == State::kAwaitingAgreement));
    }
  }
  auto sas = p.initiator.on_agreement(good);
  BOOST_REQUIRE(sas.ok());
  BOOST_TEST(same(sas->inbound, agreement->sas.outbound));
}

BOOST_AUTO_TEST_CASE(reserved_header_bytes_are_ignored) {
  // Documented choice (messages.hpp): sent as zero, ignored on receipt.
  Peers p;
  Bytes knock = p.knock();
  knock[6] = 0xff;
  Bytes challenge = bytes(p.responder.on_knock(knock).value());
  BOOST_TEST(challenge[5] == 0);
  BOOST_TEST(challenge[6] == 0);
  BOOST_TEST(challenge[7] == 0);
  challenge[7] = 0x80;
  Bytes proposal = bytes(p.initiator.on_challenge(challenge, 256).value());
  proposal[5] = 0x01;
  auto agreement = p.responder.on_proposal(proposal, 256);
  BOOST_REQUIRE(agreement.ok());
  Bytes agreement_bytes = bytes(agreement->payload);
  agreement_bytes[5] = agreement_bytes[6] = agreement_bytes[7] = 0xaa;
  BOOST_TEST(p.initiator.on_agreement(agreement_bytes).ok());
}

BOOST_AUTO_TEST_CASE(reset_and_restart) {
  Peers p;
  const Bytes proposal = p.proposal();
  // Initiator reset: the pending agreement is no longer expected.
  auto agreement = p.responder.on_proposal(proposal, 256);
  BOOST_REQUIRE(agreement.ok());
  p.initiator.reset();
  BOOST_TEST((p.initiator.state() == State::kIdle));
  BOOST_TEST(fails_with(p.initiator.on_agreement(agreement->payload), Error::kProtocol));
  // knock() restarts an exchange in progress.
  const Bytes proposal2 = p.proposal();
  auto agreement2 = p.responder.on_proposal(proposal2, 256);
  BOOST_REQUIRE(agreement2.ok());
  (void)p.knock();
  BOOST_TEST((p.initiator.state() == State::kAwaitingChallenge));
  BOOST_TEST(fails_with(p.initiator.on_agreement(agreement2->payload), Error::kProtocol));
  // Responder reset: a new nonce; a proposal made for the old one fails.
  const Bytes proposal3 = bytes(p.initiator.on_challenge(p.challenge(), 256).value());
  const Bytes nonce = nonce_of(p.responder);
  p.responder.reset();
  BOOST_TEST(nonce_of(p.responder) != nonce);
  BOOST_TEST(fails_with(p.responder.on_proposal(proposal3, 256), Error::kAuthentication));
}

BOOST_AUTO_TEST_CASE(random_bytes_fuzz_both_roles) {
  base::SeededRandom fuzz(12345);
  Peers p;
  const Bytes nonce = nonce_of(p.responder);
  // Drive the initiator into each state in turn; throw random payloads at
  // every entry point; nothing may succeed or change state.
  auto random_payload = [&] {
    const std::uint32_t mode = fuzz.uniform(3);
    std::size_t n = fuzz.uniform(120);
    if (mode > 0) {  // a well-formed header of a random type with its exact length
      const auto type = static_cast<MessageType>(11 + fuzz.uniform(4));
      n = kHeaderSize + message_size(type);
      Bytes b(n);
      fuzz.fill(b);
      write_header(std::span(b).first<kHeaderSize>(), 1001, type);
      if (type == MessageType::kKnock) store_be32(b.data() + 8, 4);   // never a valid knock
      if (mode == 2 && type == MessageType::kChallenge) b[8] = 0xff;  // never a valid challenge
      return b;
    }
    Bytes b(n);
    fuzz.fill(b);
    return b;
  };
  // Every payload goes to every entry point in every initiator state, and
  // every call must fail: a random challenge is accepted only with the right
  // route SPI, version 5 and the 32-byte aead string (odds of 2^-288 for the
  // random bytes; the fixed seed makes the run deterministic), a proposal or
  // an agreement only with a valid AEAD tag.
  constexpr int kRounds = 3, kPayloads = 3000, kEntryPoints = 4;
  std::size_t rejected = 0;
  // Well-formed challenges (header of type 12, exact length) thrown at an
  // initiator that awaits one: the fuzz reaches the initiator's version and
  // aead checks, not only its length check.
  std::size_t challenges_awaited = 0;
  for (int round = 0; round < kRounds; ++round) {
    if (round == 1) (void)p.knock();
    if (round == 2) BOOST_REQUIRE(p.initiator.on_challenge(p.challenge(), 256).ok());
    const State state = p.initiator.state();
    for (int i = 0; i < kPayloads; ++i) {
      const Bytes b = random_payload();
      const bool knock_rejected = !p.responder.on_knock(b).ok();
      const bool proposal_rejected = !p.responder.on_proposal(b, 256).ok();
      const bool agreement_rejected = !p.initiator.on_agreement(b).ok();
      const bool challenge_rejected = !p.initiator.on_challenge(b, 256).ok();
      BOOST_TEST(knock_rejected, "on_knock, round " << round << " payload " << i);
      BOOST_TEST(proposal_rejected, "on_proposal, round " << round << " payload " << i);
      BOOST_TEST(agreement_rejected, "on_agreement, round " << round << " payload " << i);
      BOOST_TEST(challenge_rejected, "on_challenge, round " << round << " payload " << i);
      rejected += knock_rejected + proposal_rejected + agreement_rejected + challenge_rejected;
      challenges_awaited += state == State::kAwaitingChallenge &&
                            b.size() == kHeaderSize + message_size(MessageType::kChallenge) &&
                            b[4] == static_cast<std::uint8_t>(MessageType::kChallenge);
      BOOST_REQUIRE((p.initiator.state() == state));
    }
  }
  // Every call of every round, none skipped.
  BOOST_TEST(rejected == std::size_t{kRounds} * kPayloads * kEntryPoints);
  // A sixth of the payloads (two modes in three, one type in four) are
  // challenges: about 500 of round 1's 3000.
  BOOST_TEST(challenges_awaited > 100u);
  BOOST_TEST(nonce_of(p.responder) == nonce);
}
