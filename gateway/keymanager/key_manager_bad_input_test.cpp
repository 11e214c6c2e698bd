#define BOOST_TEST_MODULE key_manager_bad_input
// Hostile or broken key-exchange input (PROTOCOL.md 2.1 - 2.3): each bad
// message installs no SA and increments exactly its counter. The test plays
// tokyo against a paris gateway with exchange::Initiator / Responder, and
// edits their messages byte by byte.
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "base/hex.hpp"
#include "exchange/initiator.hpp"
#include "exchange/messages.hpp"
#include "exchange/responder.hpp"
#include "exchange/symmetric_state.hpp"
#include "keymanager/key_manager.hpp"
#include "net/headers.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/two_sites.hpp"

using namespace strait;
using namespace strait::testing;
using exchange::MessageType;
using net::Family;

namespace {

std::array<std::uint8_t, 32> psk_of(const char* hex) {
  const auto bytes = base::decode_hex(hex);
  std::array<std::uint8_t, 32> out{};
  std::copy(bytes.value().begin(), bytes.value().end(), out.begin());
  return out;
}

template <std::size_t N>
Bytes bytes_of(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

Bytes header(std::uint32_t route_spi, std::uint8_t type) {
  Bytes b(exchange::kHeaderSize, 0);
  exchange::store_be32(b.data(), route_spi);
  b[4] = type;
  return b;
}

using Deltas = std::map<std::string, std::uint64_t>;

// actual == base plus `deltas`, counter by counter.
void check_counters(const state::KeyManagerCounters& actual, const state::KeyManagerCounters& base,
                    const Deltas& deltas) {
  const auto a = counter_values(actual), b = counter_values(base);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto d = deltas.find(a[i].first);
    const std::uint64_t expected = b[i].second + (d == deltas.end() ? 0 : d->second);
    BOOST_TEST_CONTEXT(a[i].first) {
      BOOST_TEST(a[i].second == expected);
    }
  }
}

// A paris gateway negotiating with a tokyo the test plays.
struct Victim {
  explicit Victim(Family f, const SiteOptions& o = key_exchange_options())
      : p(paris(f)), t(tokyo(f)), h(site_config(p, t, o)), psk(psk_of(kSamplePresharedKey)) {
    h.run();
    const auto sent = take();
    BOOST_TEST_REQUIRE(sent.size() == 1u);  // paris knocked at start
    knock = sent[0];
    base = counters();
  }

  // Injects a UDP payload from `source` to paris's key-exchange port.
  void inject(const Bytes& payload) { inject_from(t.public_ip, payload); }
  void inject_from(const net::Address& source, const Bytes& payload) {
    h.send_public(key_exchange_frame(p, p.public_ip, source, payload));
    h.run();
  }
  void inject_frame(const Bytes& frame) {
    h.send_public(frame);
    h.run();
  }
  // The UDP payloads paris sent (each checked to be a well-formed
  // key-exchange datagram from paris to tokyo).
  std::vector<Bytes> take() {
    std::vector<Bytes> out;
    for (const Bytes& frame : h.take_public()) {
      const auto ip = parse_ip_frame(frame);
      BOOST_TEST_REQUIRE(ip.has_value());
      BOOST_TEST(ip->source.to_string() == p.public_ip.to_string());
      BOOST_TEST(ip->destination.to_string() == t.public_ip.to_string());
      BOOST_TEST(ip->ttl == 64);
      const auto udp = parse_udp(*ip);
      BOOST_TEST_REQUIRE(udp.has_value());
      BOOST_TEST(udp->checksum_ok);
      BOOST_TEST(udp->source_port == 303);
      BOOST_TEST(udp->destination_port == 303);
      out.push_back(udp->payload);
    }
    return out;
  }
  state::KeyManagerCounters counters() { return h.worker().key_manager_counters(); }
  void expect(const Deltas& deltas) { check_counters(counters(), base, deltas); }
  bool has_no_sa() {
    return h.worker().sas().inbound_count() == 0 && h.worker().sas().outbound(0) == nullptr;
  }

  // tokyo's roles, with tokyo's view of the addresses.
  std::unique_ptr<exchange::Responder> responder(const char* psk_hex = kSamplePresharedKey) {
    return std::make_unique<exchange::Responder>(kSampleRouteSpi, psk_of(psk_hex), t.public_ip,
                                                 p.public_ip, random);
  }
  std::unique_ptr<exchange::Initiator> initiator(const net::Address* identity = nullptr) {
    return std::make_unique<exchange::Initiator>(
        kSampleRouteSpi, psk, identity ? *identity : t.public_ip, p.public_ip, random);
  }
  // Answers paris's knock: returns paris's proposal.
  Bytes proposal_for(const Bytes& challenge) {
    inject(challenge);
    const auto sent = take();
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    BOOST_TEST(sent[0][4] == static_cast<std::uint8_t>(MessageType::kProposal));
    return sent[0];
  }
  // Knocks as tokyo's initiator: returns paris's challenge.
  Bytes challenge_for(exchange::Initiator& i) {
    inject(bytes_of(i.knock()));
    const auto sent = take();
    BOOST_TEST_REQUIRE(sent.size() == 1u);
    BOOST_TEST(sent[0][4] == static_cast<std::uint8_t>(MessageType::kChallenge));
    return sent[0];
  }

  Site p, t;
  GatewayHarness h;
  std::array<std::uint8_t, 32> psk;
  base::SeededRandom random{99};
  Bytes knock;
  state::KeyManagerCounters base;
};

// A proposal built by hand, as an initiator with ephemeral public key `ne`
// would send it (the payload encrypted under the keys that follow from
// it), carrying `spi`.
Bytes forged_proposal(const Victim& v, std::span<const std::uint8_t> challenge,
                      const std::array<std::uint8_t, 32>& ne, std::uint32_t spi) {
  const auto nonce = challenge.subspan(exchange::kHeaderSize + 4 + exchange::kAeadSize)
                         .first<exchange::kNonceSize>();
  const auto prologue =
      exchange::build_prologue(kSampleRouteSpi, v.t.public_ip, v.p.public_ip, nonce);
  exchange::SymmetricState s;
  s.initialize(prologue, v.psk);
  s.mix_hash(ne);
  s.mix_key(ne);
  Bytes out = header(kSampleRouteSpi, static_cast<std::uint8_t>(MessageType::kProposal));
  out.insert(out.end(), ne.begin(), ne.end());
  Bytes sealed(exchange::kPayloadSize + 16);
  BOOST_TEST_REQUIRE(s.encrypt_and_hash(exchange::encode_spi_payload(spi), sealed).ok());
  out.insert(out.end(), sealed.begin(), sealed.end());
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_test_peer_completes_both_roles_with_the_gateway) {
  // The baseline every other case edits: unmodified messages succeed.
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      BOOST_TEST(v.base.negotiations_initiated == 1u);
      BOOST_TEST(v.knock == bytes_of(exchange::KnockPayload{0x00, 0x00, 0x04, 0xd2, 11, 0, 0, 0,
                                                            0x00, 0x00, 0x00, 0x05}));
      // paris initiates, tokyo responds.
      auto responder = v.responder();
      const Bytes proposal = v.proposal_for(bytes_of(responder->on_knock(v.knock).value()));
      auto agreement = responder->on_proposal(proposal, 7777);
      BOOST_TEST_REQUIRE(agreement.ok());
      v.inject(bytes_of(agreement->payload));
      BOOST_TEST(v.take().empty());
      BOOST_TEST_REQUIRE(v.h.worker().sas().outbound(0) != nullptr);
      BOOST_TEST(v.h.worker().sas().outbound(0)->spi() == 7777u);
      BOOST_TEST(v.h.worker().sas().inbound(agreement->sas.outbound.spi) != nullptr);
      // tokyo initiates, paris responds.
      auto initiator = v.initiator();
      const Bytes challenge = v.challenge_for(*initiator);
      auto tokyo_proposal = initiator->on_challenge(challenge, 8888);
      BOOST_TEST_REQUIRE(tokyo_proposal.ok());
      v.inject(bytes_of(tokyo_proposal.value()));
      const auto sent = v.take();
      BOOST_TEST_REQUIRE(sent.size() == 1u);
      auto sas = initiator->on_agreement(sent[0]);
      BOOST_TEST_REQUIRE(sas.ok());
      BOOST_TEST(v.h.worker().sas().inbound(sas->outbound.spi) != nullptr);
      BOOST_TEST(v.h.worker().sas().inbound_count() == 2u);
      v.expect({{"challenges-offered", 1},
                {"challenges-accepted", 1},
                {"keypairs-offered", 1},
                {"keypairs-negotiated", 1}});
    }
  }
}

BOOST_AUTO_TEST_CASE(wrong_preshared_key_fails_authentication_on_both_sides) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      TwoSitesOptions o;
      o.family = f;
      o.tokyo.preshared_key = "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
      TwoSites s(o);
      s.run();
      for (const SiteId id : kBothSites) {
        BOOST_TEST_CONTEXT(s.site(id).name) {
          check_counters(s.worker(id).key_manager_counters(), {},
                         {{"negotiations-initiated", 1},
                          {"challenges-offered", 1},
                          {"challenges-accepted", 1},
                          {"authentication-errors", 1}});
          BOOST_TEST(s.worker(id).sas().inbound_count() == 0u);
          BOOST_TEST(s.worker(id).sas().outbound(0) == nullptr);
          BOOST_TEST(s.worker(id).key_manager()->negotiations_in_flight() == 1u);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(an_unknown_route_spi_is_a_route_error) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      auto responder = v.responder();
      Bytes challenge = bytes_of(responder->on_knock(v.knock).value());
      std::uint64_t n = 0;
      for (Bytes message : {v.knock, challenge}) {
        for (const std::uint32_t spi : {1235u, 999u, 256u, 0u, 0xffffffffu}) {
          exchange::store_be32(message.data(), spi);
          v.inject(message);
          ++n;
        }
      }
      BOOST_TEST(v.take().empty());
      v.expect({{"route-errors", n}});
      BOOST_TEST(v.has_no_sa());
      // paris still waits for the genuine challenge.
      BOOST_TEST(v.proposal_for(challenge).size() == 88u);
    }
  }
}

BOOST_AUTO_TEST_CASE(messages_from_another_address_are_protocol_errors) {
  // Only the route's gateway negotiates the route: a spoofed knock from
  // elsewhere is not answered.
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      auto initiator = v.initiator();
      const Bytes knock = bytes_of(initiator->knock());
      v.inject_from(v.t.public_ip2, knock);
      v.inject_from(v.t.private_ip, knock);
      v.inject_from(v.p.public_ip2, knock);
      BOOST_TEST(v.take().empty());
      v.expect({{"protocol-errors", 3}});
    }
  }
}

BOOST_AUTO_TEST_CASE(mismatched_gateway_addresses_fail_authentication) {
  // tokyo's initiator claims another identity than the address paris has
  // configured for it: the prologues differ.
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      auto initiator = v.initiator(&v.t.public_ip2);
      const Bytes challenge = v.challenge_for(*initiator);
      auto proposal = initiator->on_challenge(challenge, 8888);
      BOOST_TEST_REQUIRE(proposal.ok());
      v.inject(bytes_of(proposal.value()));
      BOOST_TEST(v.take().empty());
      v.expect({{"challenges-offered", 1}, {"authentication-errors", 1}});
      BOOST_TEST(v.has_no_sa());
    }
  }
}

BOOST_AUTO_TEST_CASE(a_knock_of_another_version_is_a_version_error) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      Bytes knock = v.knock;
      std::uint64_t n = 0;
      for (const std::uint32_t version : {4u, 6u, 0u, 0x05000000u, 0xffffffffu}) {
        exchange::store_be32(knock.data() + 8, version);
        v.inject(knock);
        ++n;
      }
      BOOST_TEST(v.take().empty());
      v.expect({{"version-errors", n}});
      // A rejected knock leaves nothing behind: a proposal that follows is
      // still out of state.
      Bytes proposal = header(kSampleRouteSpi, 13);
      proposal.resize(88, 7);
      v.inject(proposal);
      v.expect({{"version-errors", n}, {"protocol-errors", 1}});
    }
  }
}

BOOST_AUTO_TEST_CASE(a_challenge_of_another_version_or_aead_is_refused) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      auto responder = v.responder();
      const Bytes challenge = bytes_of(responder->on_knock(v.knock).value());
      Bytes bad = challenge;
      exchange::store_be32(bad.data() + 8, 4);
      v.inject(bad);
      BOOST_TEST(v.take().empty());
      v.expect({{"version-errors", 1}});
      // aead: another name, a changed byte, padding that is not zero.
      std::uint64_t n = 0;
      for (const std::size_t at : {12u, 12u + 13, 12u + 14, 12u + 31}) {
        bad = challenge;
        bad[at] ^= 0x20;
        v.inject(bad);
        ++n;
      }
      bad = challenge;
      const char other[] = "aes-gcm-12-icv";
      std::copy(other, other + 14, bad.begin() + 12);
      v.inject(bad);
      ++n;
      BOOST_TEST(v.take().empty());
      v.expect({{"version-errors", 1}, {"parameter-errors", n}});
      BOOST_TEST(v.has_no_sa());
      // The genuine challenge still completes the exchange.
      const Bytes proposal = v.proposal_for(challenge);
      auto agreement = responder->on_proposal(proposal, 7777);
      BOOST_TEST_REQUIRE(agreement.ok());
      v.inject(bytes_of(agreement->payload));
      BOOST_TEST(v.h.worker().key_manager()->routes_with_outbound_sa() == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(truncated_and_oversized_messages_are_protocol_errors) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      auto responder = v.responder();
      // A genuine message of each type as the template.
      const Bytes challenge = bytes_of(responder->on_knock(v.knock).value());
      Bytes templates[4] = {v.knock, challenge, Bytes(88, 0x5a), Bytes(88, 0xa5)};
      for (std::size_t i = 2; i < 4; ++i) {
        exchange::store_be32(templates[i].data(), kSampleRouteSpi);
        templates[i][4] = static_cast<std::uint8_t>(13 + (i - 2));
        templates[i][5] = templates[i][6] = templates[i][7] = 0;
      }
      std::uint64_t n = 0;
      for (const Bytes& t : templates) {
        const std::size_t exact = t.size();
        for (std::size_t length = 0; length <= exchange::kHeaderSize + 96; ++length) {
          if (length == exact) continue;
          Bytes message(t.begin(),
                        t.begin() + static_cast<std::ptrdiff_t>(std::min(length, exact)));
          message.resize(length, 0x33);
          v.inject(message);
          ++n;
        }
      }
      // Unknown message types, at every size a known one has.
      for (const int type : {0, 10, 15, 16, 255}) {
        for (const std::size_t size : {12u, 76u, 88u}) {
          Bytes message = header(kSampleRouteSpi, static_cast<std::uint8_t>(type));
          message.resize(size, 0);
          v.inject(message);
          ++n;
        }
      }
      BOOST_TEST(n == 4u * 104 + 15);
      BOOST_TEST(v.take().empty());
      v.expect({{"protocol-errors", n}});
      BOOST_TEST(v.has_no_sa());
    }
  }
}

BOOST_AUTO_TEST_CASE(bad_udp_checksum_or_length_are_protocol_errors) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      auto initiator = v.initiator();
      const Bytes good =
          key_exchange_frame(v.p, v.p.public_ip, v.t.public_ip, bytes_of(initiator->knock()));
      const std::size_t udp = net::kEthernetHeaderSize +
                              (f == Family::kIpv4 ? net::kIpv4HeaderSize : net::kIpv6HeaderSize);
      std::uint64_t n = 0;
      // A wrong checksum, no checksum, a payload byte changed.
      for (const std::size_t at : {udp + 6, udp + 7, udp + 6 + 2, good.size() - 1}) {
        Bytes bad = good;
        bad[at] ^= 0x01;
        v.inject_frame(bad);
        ++n;
      }
      Bytes zero = good;
      zero[udp + 6] = zero[udp + 7] = 0;
      v.inject_frame(zero);
      ++n;
      // UDP length shorter or longer than the IP payload.
      for (const int delta : {-1, 1, -4, -12, 100}) {
        Bytes bad = good;
        net::store16(bad.data() + udp + 4,
                     static_cast<std::uint16_t>(net::load16(bad.data() + udp + 4) + delta));
        v.inject_frame(bad);
        ++n;
      }
      BOOST_TEST(v.take().empty());
      v.expect({{"protocol-errors", n}});
      // The intact frame is answered.
      v.inject_frame(good);
      BOOST_TEST(v.take().size() == 1u);
      v.expect({{"protocol-errors", n}, {"challenges-offered", 1}});
    }
  }
}

BOOST_AUTO_TEST_CASE(an_all_zero_public_key_is_a_public_key_error) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      // In a proposal that authenticates (it is made for the zero key).
      auto initiator = v.initiator();
      const Bytes challenge = v.challenge_for(*initiator);
      v.inject(forged_proposal(v, challenge, {}, 8888));
      BOOST_TEST(v.take().empty());
      v.expect({{"challenges-offered", 1}, {"public-key-errors", 1}});
      // The same proposal with an SPI below 256 is a parameter error.
      v.inject(forged_proposal(v, challenge, {}, 255));
      v.expect({{"challenges-offered", 1}, {"public-key-errors", 1}, {"parameter-errors", 1}});
      // A genuine key with the zeroed one's payload: authentication error.
      Bytes swapped = forged_proposal(v, challenge, {}, 8888);
      auto genuine = initiator->on_challenge(challenge, 8888);
      BOOST_TEST_REQUIRE(genuine.ok());
      std::copy(genuine->begin() + 8, genuine->begin() + 40, swapped.begin() + 8);
      v.inject(swapped);
      v.expect({{"challenges-offered", 1},
                {"public-key-errors", 1},
                {"parameter-errors", 1},
                {"authentication-errors", 1}});
      BOOST_TEST(v.has_no_sa());

      // In an agreement (the initiator computes DH before decrypting).
      auto responder = v.responder();
      const Bytes proposal = v.proposal_for(bytes_of(responder->on_knock(v.knock).value()));
      auto agreement = responder->on_proposal(proposal, 7777);
      BOOST_TEST_REQUIRE(agreement.ok());
      Bytes zeroed = bytes_of(agreement->payload);
      std::fill(zeroed.begin() + 8, zeroed.begin() + 40, 0);
      v.inject(zeroed);
      // A tampered tag: authentication error.
      Bytes tampered = bytes_of(agreement->payload);
      tampered.back() ^= 0x80;
      v.inject(tampered);
      BOOST_TEST(v.take().empty());
      v.expect({{"challenges-offered", 1},
                {"challenges-accepted", 1},
                {"public-key-errors", 2},
                {"parameter-errors", 1},
                {"authentication-errors", 2}});
      BOOST_TEST(v.has_no_sa());
      // Neither aborted the exchange: the genuine agreement completes it.
      v.inject(bytes_of(agreement->payload));
      BOOST_TEST(v.h.worker().key_manager()->routes_with_outbound_sa() == 1u);
      BOOST_TEST(v.counters().keypairs_negotiated == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(out_of_state_messages_are_protocol_errors) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      auto responder = v.responder();
      const Bytes challenge = bytes_of(responder->on_knock(v.knock).value());
      Bytes agreement = header(kSampleRouteSpi, 14);
      agreement.resize(88, 1);
      Bytes proposal = header(kSampleRouteSpi, 13);
      proposal.resize(88, 2);
      // Awaiting a challenge: an agreement; no knock received: a proposal.
      v.inject(agreement);
      v.inject(proposal);
      v.expect({{"protocol-errors", 2}});
      // Awaiting an agreement: a challenge (even the genuine one again).
      const Bytes ours = v.proposal_for(challenge);
      v.inject(challenge);
      BOOST_TEST(v.take().empty());
      v.expect({{"protocol-errors", 3}, {"challenges-accepted", 1}});
      auto done = responder->on_proposal(ours, 7777);
      BOOST_TEST_REQUIRE(done.ok());
      v.inject(bytes_of(done->payload));
      // Done: the same agreement again, a challenge.
      v.inject(bytes_of(done->payload));
      v.inject(challenge);
      BOOST_TEST(v.take().empty());
      v.expect({{"protocol-errors", 5}, {"challenges-accepted", 1}, {"keypairs-negotiated", 1}});
      BOOST_TEST(v.h.worker().sas().inbound_count() == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(replayed_proposal_and_agreement_change_nothing) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      TwoSitesOptions o;
      o.family = f;
      TwoSites s(o);
      std::vector<WanFrame> recorded;
      s.set_filter([&](WanFrame& frame) -> std::size_t {
        recorded.push_back(frame);
        return 1;
      });
      s.run();
      s.clear_filter();
      const auto find = [&](SiteId from, MessageType type) {
        for (const WanFrame& frame : recorded)
          if (frame.from == from && frame.message_type() == type) return frame;
        throw std::runtime_error("not recorded");
      };
      const WanFrame knock = find(SiteId::kParis, MessageType::kKnock);
      const WanFrame proposal = find(SiteId::kParis, MessageType::kProposal);
      const WanFrame agreement = find(SiteId::kTokyo, MessageType::kAgreement);
      const state::KeyManagerCounters paris0 = s.worker(SiteId::kParis).key_manager_counters();
      const state::KeyManagerCounters tokyo0 = s.worker(SiteId::kTokyo).key_manager_counters();
      const std::uint32_t paris_out = s.worker(SiteId::kParis).sas().outbound(0)->spi();
      const std::uint32_t tokyo_out = s.worker(SiteId::kTokyo).sas().outbound(0)->spi();
      s.advance(2 * base::kSecond, 100 * base::kMillisecond);

      // No exchange in progress: the proposal and the agreement are out of
      // state.
      s.deliver(proposal);
      s.deliver(agreement);
      s.run();
      check_counters(s.worker(SiteId::kTokyo).key_manager_counters(), tokyo0,
                     {{"protocol-errors", 1}});
      check_counters(s.worker(SiteId::kParis).key_manager_counters(), paris0,
                     {{"protocol-errors", 1}});
      // The replayed knock gets a challenge with a fresh nonce (paris does
      // not expect it), and the replayed proposal then fails authentication.
      s.deliver(knock);
      s.run();
      s.deliver(proposal);
      s.run();
      check_counters(
          s.worker(SiteId::kTokyo).key_manager_counters(), tokyo0,
          {{"protocol-errors", 1}, {"challenges-offered", 1}, {"authentication-errors", 1}});
      check_counters(s.worker(SiteId::kParis).key_manager_counters(), paris0,
                     {{"protocol-errors", 2}});
      for (const SiteId id : kBothSites)
        BOOST_TEST(s.worker(id).sas().inbound_count() == 2u);
      BOOST_TEST(s.worker(SiteId::kParis).sas().outbound(0)->spi() == paris_out);
      BOOST_TEST(s.worker(SiteId::kTokyo).sas().outbound(0)->spi() == tokyo_out);
    }
  }
}

BOOST_AUTO_TEST_CASE(random_control_traffic_is_counted_and_leaks_nothing) {
  for (const Family f : kFamilies) {
    BOOST_TEST_CONTEXT(family_name(f)) {
      Victim v(f);
      std::mt19937 rng(f == Family::kIpv4 ? 4 : 6);
      const bool v4 = f == Family::kIpv4;
      const auto stranger = [&] {
        const std::uint32_t r = static_cast<std::uint32_t>(rng());
        return ip(v4 ? "203.0.113." + std::to_string(1 + r % 250)
                     : "2001:db8:ff::" + std::to_string(1 + r % 9999));
      };
      // The model: which counter each frame must increment. Knocks and
      // challenges from tokyo pass the cheap checks and take a token of
      // the 100 per second (the clock stands still).
      Deltas expected;
      std::uint64_t tokens = keymanager::KeyManager::kMessagesPerSecond;
      const auto limited = [&](const char* counter) {
        if (tokens == 0) {
          ++expected["rxerrors"];
        } else {
          --tokens;
          ++expected[counter];
        }
      };
      constexpr std::size_t kFrames = 4000;
      std::size_t batch = 0;
      for (std::size_t i = 0; i < kFrames; ++i) {
        const std::uint32_t category = rng() % 8;
        Bytes payload;
        net::Address source = v.t.public_ip;
        bool bad_checksum = false;
        const std::uint8_t type = static_cast<std::uint8_t>(11 + rng() % 4);
        const std::size_t size =
            exchange::kHeaderSize + exchange::message_size(static_cast<MessageType>(type));
        switch (category) {
          case 0:
          case 1: {
            // Random bytes, from tokyo or a stranger.
            payload = random_bytes(rng, rng() % 101);
            if (rng() % 2) source = stranger();
            bad_checksum = category == 1;
            if (payload.size() >= 8 && exchange::load_be32(payload.data()) == kSampleRouteSpi)
              payload[0] ^= 0xff;
            const bool parses =
                payload.size() >= 8 && payload[4] >= 11 && payload[4] <= 14 &&
                payload.size() == exchange::kHeaderSize +
                                      exchange::message_size(static_cast<MessageType>(payload[4]));
            ++expected[bad_checksum || !parses ? "protocol-errors" : "route-errors"];
            break;
          }
          case 2:
            // Well formed for the route, from a stranger.
            payload = header(kSampleRouteSpi, type);
            payload.resize(size, static_cast<std::uint8_t>(rng()));
            source = stranger();
            ++expected["protocol-errors"];
            break;
          case 3: {
            // Well formed, another route.
            std::uint32_t spi = static_cast<std::uint32_t>(rng());
            if (spi == kSampleRouteSpi) ++spi;
            payload = header(spi, type);
            payload.resize(size, static_cast<std::uint8_t>(rng()));
            ++expected["route-errors"];
            break;
          }
          case 4:
          case 5: {
            // A knock / a challenge of another version from tokyo.
            payload = category == 4 ? header(kSampleRouteSpi, 11) : header(kSampleRouteSpi, 12);
            payload.resize(category == 4 ? 12 : 76);
            for (std::size_t k = 8; k < payload.size(); ++k)
              payload[k] = static_cast<std::uint8_t>(rng());
            if (exchange::load_be32(payload.data() + 8) == 5) payload[8] = 1;
            limited("version-errors");
            break;
          }
          case 6:
            // A proposal (no knock came) or an agreement (awaiting a
            // challenge) from tokyo: out of state.
            payload = header(kSampleRouteSpi, static_cast<std::uint8_t>(13 + rng() % 2));
            payload.resize(88, static_cast<std::uint8_t>(rng()));
            ++expected["protocol-errors"];
            break;
          default:
            // A genuine knock with a bad checksum.
            payload = v.knock;
            bad_checksum = true;
            ++expected["protocol-errors"];
            break;
        }
        Bytes frame = key_exchange_frame(v.p, v.p.public_ip, source, payload);
        if (bad_checksum) {
          const std::size_t sum =
              net::kEthernetHeaderSize + (v4 ? net::kIpv4HeaderSize : net::kIpv6HeaderSize) + 6;
          frame[sum] ^= static_cast<std::uint8_t>(1 + rng() % 255);
        }
        v.h.send_public(frame);
        if (++batch == 48) {
          v.h.run();
          batch = 0;
          BOOST_TEST_REQUIRE(v.h.worker().key_manager()->negotiations_in_flight() == 1u);
        }
      }
      v.h.run();
      BOOST_TEST(v.take().empty());
      v.expect(expected);
      std::uint64_t total = 0;
      for (const auto& [name, n] : expected)
        total += n;
      BOOST_TEST(total == kFrames);
      BOOST_TEST(expected["rxerrors"] > 0u);
      BOOST_TEST(v.has_no_sa());
      BOOST_TEST(v.h.worker().key_manager()->negotiations_in_flight() == 1u);
      BOOST_TEST(v.h.pool().available() == v.h.pool().count());
      // The gateway still negotiates once the second is over.
      v.h.clock().advance(base::kSecond);
      auto responder = v.responder();
      v.inject(bytes_of(responder->on_knock(v.knock).value()));
      BOOST_TEST(v.take().size() == 1u);
    }
  }
}
