#pragma once
// A live key exchange for the ske_initiator and ske_responder fuzz targets:
// a gateway (paris of testing/sample_sites.hpp, its key manager running in
// the worker on a ManualClock) and the peer it negotiates with (tokyo),
// played by exchange::Initiator / exchange::Responder on seeded randomness.
// The input's records (records.hpp) decide what reaches the gateway: the
// peer's genuine messages, the same messages with bytes flipped, replays,
// raw datagrams, clock steps.
//
//   ske_initiator: the gateway's initiator against the peer's responder.
//   ske_responder: the gateway's responder against the peer's initiators
//                  (each knock of the peer starts an Initiator of its own,
//                  and every one waiting for an agreement is offered each
//                  agreement the gateway sends, so no genuine exchange is
//                  lost on the peer's side).
//
// The input's first byte: bit 0 the address family (IPv6 when set), bit 1
// short lifetimes (sa-ttl 20 s, negotiation-ttl 2 s: rekeys and expiry
// within an input).
//
// Records (op & 0x0f; payload as said):
//   0 kPeerFirst   ske_initiator: the peer's challenge answering the
//                  gateway's latest knock; ske_responder: a new knock of the
//                  peer. A payload flips bytes: (position, xor) pairs.
//   1 kPeerSecond  ske_initiator: the peer's agreement answering the
//                  gateway's latest proposal; ske_responder: the newest
//                  peer initiator's proposal answering the gateway's latest
//                  challenge. Payload: as kPeerFirst.
//   2 kRaw         the payload, as a key-exchange datagram from the peer
//   3 kReplay      the payload[0]-th message delivered so far, again
//   4 kClock       advance payload[0:2] ms * (1 + payload[2]); run timers
//   5 kStranger    the payload, as a datagram from an address not the peer's
//   6 kPeerReset   ske_initiator: the peer's responder draws a new nonce
//   7 kFrame       the payload, as an Ethernet frame on the public side
//
// The property checked at the end (after 8 s more, so that new outbound SAs
// are active): every SA the gateway holds is one the peer derived in a
// genuine exchange. Each inbound SA's SPI is one the peer sends with, and
// ESP the peer seals under those keys reaches the private side; ESP the
// gateway sends opens under keys the peer derived.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "base/random.hpp"
#include "esp/security_association.hpp"
#include "exchange/initiator.hpp"
#include "exchange/responder.hpp"
#include "fuzz_gateway.hpp"
#include "records.hpp"
#include "testing/esp_peer.hpp"
#include "testing/sample_sites.hpp"

namespace strait::fuzz {

enum class SkeRole : std::uint8_t { kGatewayInitiates, kGatewayResponds };

// One fuzz input (first byte: the selector) through the session of `role`
// kept for it (persistent.hpp), then the property: LLVMFuzzerTestOneInput
// of ske_initiator and ske_responder.
int run_ske_session(SkeRole role, const std::uint8_t* data, std::size_t size);

class SkeSession {
 public:
  SkeSession(SkeRole role, std::uint8_t selector);
  ~SkeSession();

  void apply(const Record& record);
  // Runs the clock on and checks the property (aborts on a violation).
  void check_sas();

 private:
  void deliver(const Bytes& payload, const net::Address& source);
  // Takes what the gateway sent and notes its key-exchange messages.
  void collect();
  Bytes peer_first(std::span<const std::uint8_t> flips);
  Bytes peer_second(std::span<const std::uint8_t> flips);
  void settle(base::Nanoseconds by);

  SkeRole role_;
  testing::Site self_;
  testing::Site peer_;
  std::unique_ptr<FuzzGateway> gateway_;
  std::array<std::uint8_t, 32> psk_{};
  base::SeededRandom random_;
  std::unique_ptr<exchange::Responder> responder_;                // ske_initiator
  std::vector<std::unique_ptr<exchange::Initiator>> initiators_;  // ske_responder
  std::uint32_t next_spi_ = 0x1000;
  // The gateway's latest message of each type (empty: none yet).
  Bytes knock_, challenge_, proposal_;
  std::vector<Bytes> delivered_;
  // Every SA pair the peer derived: inbound is what the peer receives with
  // (the gateway's outbound), outbound what it sends with.
  struct Derived {
    esp::SaParameters peer_inbound;
    esp::SaParameters peer_outbound;
    std::shared_ptr<testing::EspPeer> esp;  // the peer's ESP under them, once needed
  };
  testing::EspPeer& esp_of(Derived& derived);
  std::vector<Derived> derived_;
  // Of the ESP the check sends under the gateway's inbound SAs (above any
  // window the gateway's SAs may have seen).
  std::uint64_t esp_sequence_ = 1u << 20;
};

}  // namespace strait::fuzz
