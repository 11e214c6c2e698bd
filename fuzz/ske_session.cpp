#include "ske_session.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <optional>
#include <string>

#include "base/hex.hpp"
#include "config/load.hpp"
#include "exchange/messages.hpp"
#include "fuzz_check.hpp"
#include "net/headers.hpp"
#include "persistent.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_view.hpp"

namespace strait::fuzz {

namespace {

enum Kind : std::uint8_t {
  kPeerFirst = 0,
  kPeerSecond = 1,
  kRaw = 2,
  kReplay = 3,
  kClock = 4,
  kStranger = 5,
  kPeerReset = 6,
  kFrame = 7,
};

constexpr std::size_t kMaxInitiators = 16;
constexpr std::size_t kMaxDelivered = 64;

// The gateway's configuration for a selector (bits 0 and 1), loaded once.
const config::GatewayConfig& config_of(std::uint8_t selector) {
  static std::array<std::optional<config::GatewayConfig>, 4> configs;
  auto& c = configs[selector & 3];
  if (!c) {
    const auto family = (selector & 1) ? net::Family::kIpv6 : net::Family::kIpv4;
    auto options = testing::key_exchange_options();
    if (selector & 2) {
      options.sa_ttl = 20;
      options.negotiation_ttl = 2;
    }
    auto loaded = config::load(
        testing::site_config(testing::paris(family), testing::tokyo(family), options), "fuzz.conf");
    if (!loaded) fail("the fuzz gateway's configuration does not load: " + loaded.error().message);
    c = std::move(loaded).value();
  }
  return *c;
}

template <std::size_t N>
Bytes bytes_of(const std::array<std::uint8_t, N>& a) {
  return Bytes(a.begin(), a.end());
}

void flip(Bytes& message, std::span<const std::uint8_t> flips) {
  if (message.empty()) return;
  for (std::size_t i = 0; i + 1 < flips.size(); i += 2)
    message[flips[i] % message.size()] ^= flips[i + 1];
}

esp::SaParameters parameters_of(const exchange::SaKeys& keys) {
  esp::SaParameters p;
  p.spi = keys.spi;
  p.key = keys.key;
  p.salt = keys.salt;
  return p;
}

}  // namespace

SkeSession::SkeSession(SkeRole role, std::uint8_t selector)
    : role_(role),
      self_(testing::paris((selector & 1) ? net::Family::kIpv6 : net::Family::kIpv4)),
      peer_(testing::tokyo(self_.family)),
      gateway_(std::make_unique<FuzzGateway>(config_of(selector), 1)),
      random_(0x5eed + selector) {
  const auto psk = base::decode_hex(testing::kSamplePresharedKey);
  check(psk.has_value() && psk->size() == psk_.size(), "bad sample pre-shared key");
  std::copy(psk->begin(), psk->end(), psk_.begin());
  if (role_ == SkeRole::kGatewayInitiates)
    responder_ = std::make_unique<exchange::Responder>(testing::kSampleRouteSpi, psk_,
                                                       peer_.public_ip, self_.public_ip, random_);
  gateway_->run();
  collect();
}

SkeSession::~SkeSession() = default;

void SkeSession::deliver(const Bytes& payload, const net::Address& source) {
  if (delivered_.size() < kMaxDelivered) delivered_.push_back(payload);
  gateway_->send_public(testing::key_exchange_frame(self_, self_.public_ip, source, payload));
  gateway_->run();
  collect();
}

void SkeSession::collect() {
  gateway_->take_private();
  for (const Bytes& frame : gateway_->take_public()) {
    const auto ip = testing::parse_ip_frame(frame);
    if (!ip || ip->protocol != net::kProtocolUdp) continue;
    const auto udp = testing::parse_udp(*ip);
    if (!udp || udp->destination_port != 303 || udp->payload.size() < exchange::kHeaderSize)
      continue;
    check(udp->checksum_ok, "the gateway sent a key-exchange datagram with a bad checksum");
    const Bytes& m = udp->payload;
    switch (static_cast<exchange::MessageType>(m[4])) {
      case exchange::MessageType::kKnock:
        knock_ = m;
        break;
      case exchange::MessageType::kChallenge:
        challenge_ = m;
        break;
      case exchange::MessageType::kProposal:
        proposal_ = m;
        break;
      case exchange::MessageType::kAgreement:
        // Every peer initiator awaiting an agreement is offered it: the one
        // whose proposal it answers completes.
        for (auto& initiator : initiators_) {
          if (initiator->state() != exchange::Initiator::State::kAwaitingAgreement) continue;
          auto sas = initiator->on_agreement(m);
          if (sas)
            derived_.push_back(
                {parameters_of(sas->inbound), parameters_of(sas->outbound), nullptr});
        }
        break;
    }
  }
}

Bytes SkeSession::peer_first(std::span<const std::uint8_t> flips) {
  Bytes m;
  if (role_ == SkeRole::kGatewayInitiates) {
    if (knock_.empty()) return {};
    auto challenge = responder_->on_knock(knock_);
    if (!challenge) return {};
    m = bytes_of(challenge.value());
  } else {
    if (initiators_.size() == kMaxInitiators) initiators_.erase(initiators_.begin());
    initiators_.push_back(std::make_unique<exchange::Initiator>(
        testing::kSampleRouteSpi, psk_, peer_.public_ip, self_.public_ip, random_));
    m = bytes_of(initiators_.back()->knock());
  }
  flip(m, flips);
  return m;
}

Bytes SkeSession::peer_second(std::span<const std::uint8_t> flips) {
  Bytes m;
  if (role_ == SkeRole::kGatewayInitiates) {
    if (proposal_.empty()) return {};
    auto agreement = responder_->on_proposal(proposal_, next_spi_++);
    if (!agreement) return {};
    derived_.push_back(
        {parameters_of(agreement->sas.inbound), parameters_of(agreement->sas.outbound), nullptr});
    m = bytes_of(agreement->payload);
  } else {
    if (initiators_.empty() || challenge_.empty()) return {};
    auto& initiator = *initiators_.back();
    if (initiator.state() != exchange::Initiator::State::kAwaitingChallenge) return {};
    auto proposal = initiator.on_challenge(challenge_, next_spi_++);
    if (!proposal) return {};
    m = bytes_of(proposal.value());
  }
  flip(m, flips);
  return m;
}

void SkeSession::settle(base::Nanoseconds by) {
  gateway_->run();
  gateway_->clock().advance(by);
  gateway_->worker().run_due_timers();
  gateway_->run();
  collect();
}

void SkeSession::apply(const Record& r) {
  const auto payload = r.payload;
  switch (r.op & 0x0f) {
    case kPeerFirst: {
      const Bytes m = peer_first(payload);
      if (!m.empty()) deliver(m, peer_.public_ip);
      break;
    }
    case kPeerSecond: {
      const Bytes m = peer_second(payload);
      if (!m.empty()) deliver(m, peer_.public_ip);
      break;
    }
    case kRaw:
      deliver(Bytes(payload.begin(), payload.end()), peer_.public_ip);
      break;
    case kReplay:
      if (!delivered_.empty()) {
        const Bytes m = delivered_[read_be(payload, 0, 1) % delivered_.size()];
        deliver(m, peer_.public_ip);
      }
      break;
    case kClock: {
      const std::uint64_t ms = read_be(payload, 0, 2) * (1 + read_be(payload, 2, 1));
      settle(static_cast<base::Nanoseconds>(ms) * base::kMillisecond);
      break;
    }
    case kStranger:
      deliver(Bytes(payload.begin(), payload.end()), peer_.public_ip2);
      break;
    case kPeerReset:
      if (responder_) responder_->reset();
      break;
    case kFrame:
      if (!payload.empty()) {
        gateway_->send_public(Bytes(payload.begin(), payload.end()));
        gateway_->run();
        collect();
      }
      break;
    default:
      break;
  }
}

testing::EspPeer& SkeSession::esp_of(Derived& d) {
  if (!d.esp) d.esp = std::make_shared<testing::EspPeer>(d.peer_outbound, d.peer_inbound);
  return *d.esp;
}

void SkeSession::check_sas() {
  // New outbound SAs become active 1.5 x negotiation-ttl after the
  // exchange (at most 7.5 s).
  settle(8 * base::kSecond);
  auto& worker = gateway_->worker();

  // Inbound: each SA's SPI is one the peer derived, and the peer's ESP
  // under that SA reaches the private side.
  std::vector<std::uint32_t> inbound;
  worker.sas().for_each_inbound(
      [&](std::uint32_t, const esp::InboundSa& sa) { inbound.push_back(sa.spi()); });
  for (const std::uint32_t spi : inbound) {
    bool opened = false;
    for (auto& d : derived_) {
      if (d.peer_outbound.spi != spi) continue;
      testing::EspPeer& peer = esp_of(d);
      const Bytes inner = testing::host_datagram(peer_, self_, 64, 7);
      gateway_->send_public(testing::tunnel_frame(
          self_, peer_, peer.seal_at(++esp_sequence_, inner, inner[0] >> 4 == 6 ? 41 : 4)));
      gateway_->run();
      gateway_->take_public();
      if (!gateway_->take_private().empty()) {
        opened = true;
        break;
      }
    }
    check(opened, "the gateway holds an inbound SA the peer did not negotiate");
  }

  // Outbound: what the gateway sends opens under keys the peer derived.
  gateway_->send_private(testing::lan_frame(self_, testing::host_datagram(self_, peer_, 64, 9)));
  gateway_->run();
  for (const Bytes& frame : gateway_->take_public()) {
    const auto ip = testing::parse_ip_frame(frame);
    if (!ip || ip->protocol != net::kProtocolEsp) continue;
    bool opened = false;
    for (auto& d : derived_) {
      testing::EspPeer& peer = esp_of(d);
      const auto o = peer.open_frame(frame);
      if (o && o->status == esp::DecryptStatus::kOk) {
        opened = true;
        break;
      }
    }
    check(opened, "the gateway sent ESP under keys the peer did not negotiate");
  }
}

int run_ske_session(SkeRole role, const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static Persistent<SkeSession> sessions;
  SkeSession& session =
      sessions.get(data, size, [&] { return std::make_unique<SkeSession>(role, data[0]); });
  RecordReader records({data + 1, size - 1});
  Record r;
  while (records.next(r))
    session.apply(r);
  session.check_sas();
  return 0;
}

}  // namespace strait::fuzz
