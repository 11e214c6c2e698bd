#define BOOST_TEST_MODULE next_hop
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "base/clock.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "net/headers.hpp"
#include "nexthop/next_hop.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"

// What a next hop's MAC is learned from (only a reply to the gateway's own
// solicitation, or an advertisement for the next hop's address), and how
// the workers serving queues of one interface share it: an ARP reply
// arrives on one queue only.

using namespace strait;
using namespace strait::net;
using testing::Bytes;

namespace {

const Mac kGatewayMac{{0x2a, 0xbb, 10, 0, 0, 1}};
const Mac kRouterMac{{0x02, 0, 0, 0, 0, 0xfe}};
const Mac kIntruderMac{{0x02, 0, 0, 0, 0, 0x66}};
const Mac kZeroMac{};
const Address kGatewayIp = *Address::parse("10.0.0.1");
const Address kRouterIp = *Address::parse("10.0.0.254");
const Address kGatewayIp6 = *Address::parse("2001:db8::1");
const Address kRouterIp6 = *Address::parse("2001:db8::fe");
const Address kAllNodes = *Address::parse("ff02::1");
const Mac kAllNodesGroupMac{{0x33, 0x33, 0, 0, 0, 1}};

constexpr std::uint32_t kSolicited = 0x40000000, kOverride = 0x20000000;

nexthop::Settings settings(nexthop::SharedNeighbor* shared) {
  return {kGatewayIp, kGatewayMac, kRouterIp, std::nullopt, shared};
}

nexthop::Settings settings6() {
  return {kGatewayIp6, kGatewayMac, kRouterIp6, std::nullopt, nullptr};
}

io::Packet* packet(io::FramePool& pool, const Bytes& frame) {
  io::Packet* p = pool.allocate();
  std::memcpy(p->data, frame.data(), frame.size());
  p->length = static_cast<std::uint32_t>(frame.size());
  return p;
}

// The router's reply to the gateway's request (Linux: unicast to the asker).
io::Packet* arp_reply(io::FramePool& pool, const Mac& from = kRouterMac) {
  return packet(pool,
                testing::arp_frame(kGatewayMac, from, 2, from, kRouterIp, kGatewayMac, kGatewayIp));
}

io::Packet* ip_packet(io::FramePool& pool) {
  io::Packet* p = pool.allocate();
  std::memset(p->data, 0, 60);
  p->data[kEthernetHeaderSize] = 0x45;
  p->length = 60;
  return p;
}

// Hands an ND message (an IPv6 packet) to `next_hop` as dispatch does.
void receive_nd(nexthop::NextHop& next_hop, io::FramePool& pool, io::Port& port,
                const Mac& destination, const Mac& source, const Bytes& ip) {
  next_hop.receive_nd(packet(pool, testing::ip_frame(destination, source, ip)), ip.size(), port);
}

Bytes advertisement(const Mac& mac, std::uint32_t flags, const Address& destination = kAllNodes) {
  return testing::neighbor_advertisement(kRouterIp6, destination, kRouterIp6, flags, mac);
}

// Releases what the gateway sent on `wire`; returns how many frames.
std::size_t drain(io::MemoryWire& wire) {
  io::Packet* got[16];
  std::size_t total = 0;
  while (const std::size_t n = wire.a().receive(got)) {
    for (std::size_t i = 0; i < n; ++i)
      got[i]->pool->release(got[i]);
    total += n;
  }
  return total;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_reply_heard_on_one_queue_resolves_the_next_hop_for_all) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire queue1(*pool), queue2(*pool);
  base::ManualClock clock;
  nexthop::SharedNeighbor shared;
  nexthop::NextHop one(settings(&shared), clock), two(settings(&shared), clock);
  BOOST_TEST(!shared.read().has_value());

  // Worker one asks; the answer reaches worker two (another queue).
  one.tick(queue1.b());
  BOOST_TEST(drain(queue1) == 1u);
  two.receive_arp(arp_reply(*pool), queue2.b());
  BOOST_TEST(two.resolved());
  BOOST_TEST(two.counters().arp_replies == 1u);
  BOOST_REQUIRE(shared.read().has_value());
  BOOST_TEST((*shared.read() == kRouterMac));

  // Worker one never saw the reply, yet sends to the router at once.
  io::Link link;
  link.push(ip_packet(*pool));
  one.send(link, queue1.b());
  io::Packet* got[4];
  BOOST_REQUIRE(queue1.a().receive(got) == 1u);
  BOOST_TEST(std::memcmp(got[0]->data, kRouterMac.bytes.data(), 6) == 0);
  BOOST_TEST(std::memcmp(got[0]->data + 6, kGatewayMac.bytes.data(), 6) == 0);
  BOOST_TEST(queue1.b().counters().txdrop == 0u);
  pool->release(got[0]);

  // Without sharing, a worker that missed the reply drops and solicits.
  nexthop::NextHop alone(settings(nullptr), clock);
  link.push(ip_packet(*pool));
  alone.send(link, queue2.b());
  BOOST_TEST(queue2.b().counters().txdrop == 1u);
  BOOST_REQUIRE(queue2.a().receive(got) == 1u);  // its ARP request
  BOOST_TEST(load16(got[0]->data + 12) == kEthertypeArp);
  pool->release(got[0]);
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(a_changed_next_hop_reaches_every_worker_at_its_next_tick) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire queue1(*pool), queue2(*pool);
  base::ManualClock clock;
  nexthop::SharedNeighbor shared;
  nexthop::NextHop one(settings(&shared), clock), two(settings(&shared), clock);
  one.tick(queue1.b());
  one.receive_arp(arp_reply(*pool), queue1.b());
  two.tick(queue2.b());
  BOOST_TEST((two.nexthop_mac() == kRouterMac));
  const Mac replaced{{0x02, 0, 0, 0, 0, 0xfd}};
  shared.publish(replaced);
  two.tick(queue2.b());
  BOOST_TEST((two.nexthop_mac() == replaced));
  drain(queue1);
  drain(queue2);
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(gratuitous_and_unsolicited_arp_never_set_the_next_hop) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire wire(*pool);
  base::ManualClock clock;
  nexthop::NextHop hop(settings(nullptr), clock);

  // Before the gateway asked: a reply, however well addressed, is not an
  // answer.
  hop.receive_arp(arp_reply(*pool, kIntruderMac), wire.b());
  BOOST_TEST(!hop.resolved());
  BOOST_TEST(hop.counters().arp_errors == 1u);
  BOOST_TEST(hop.counters().arp_replies == 0u);

  // The gateway asks and the router answers: resolved.
  hop.tick(wire.b());
  const auto request = testing::parse_arp_frame([&] {
    io::Packet* got[2];
    BOOST_REQUIRE(wire.a().receive(got) == 1u);
    Bytes frame(got[0]->data, got[0]->data + got[0]->length);
    pool->release(got[0]);
    return frame;
  }());
  BOOST_REQUIRE(request.has_value());
  BOOST_TEST(request->operation == 1);
  BOOST_TEST(request->target_ip.to_string() == kRouterIp.to_string());
  hop.receive_arp(arp_reply(*pool), wire.b());
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));
  BOOST_TEST(hop.counters().arp_replies == 1u);

  // Long after the request, nothing claiming the router's address moves
  // it: a gratuitous request (broadcast, sender = target), a gratuitous
  // reply, an unsolicited reply to the gateway, the router's address asking
  // for the gateway (answered all the same).
  clock.advance(10 * base::kSecond);
  hop.receive_arp(packet(*pool, testing::arp_frame(kBroadcastMac, kIntruderMac, 1, kIntruderMac,
                                                   kRouterIp, kZeroMac, kRouterIp)),
                  wire.b());
  hop.receive_arp(packet(*pool, testing::arp_frame(kBroadcastMac, kIntruderMac, 2, kIntruderMac,
                                                   kRouterIp, kBroadcastMac, kRouterIp)),
                  wire.b());
  hop.receive_arp(arp_reply(*pool, kIntruderMac), wire.b());
  hop.receive_arp(packet(*pool, testing::arp_frame(kBroadcastMac, kIntruderMac, 1, kIntruderMac,
                                                   kRouterIp, kZeroMac, kGatewayIp)),
                  wire.b());
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));
  BOOST_TEST(hop.counters().arp_replies == 1u);
  BOOST_TEST(hop.counters().arp_errors == 4u);  // the three announcements and the first reply
  BOOST_TEST(hop.counters().arp_requests == 1u);
  BOOST_TEST(drain(wire) == 1u);  // the answer to the request

  // The same MAC announced again is no error (and learns nothing).
  hop.receive_arp(packet(*pool, testing::arp_frame(kBroadcastMac, kRouterMac, 1, kRouterMac,
                                                   kRouterIp, kZeroMac, kRouterIp)),
                  wire.b());
  BOOST_TEST(hop.counters().arp_errors == 4u);
  BOOST_TEST(hop.counters().arp_replies == 1u);
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(only_a_reply_to_the_gateways_request_changes_the_mac) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire wire(*pool);
  base::ManualClock clock;
  nexthop::NextHop hop(settings(nullptr), clock);
  hop.tick(wire.b());
  BOOST_TEST(drain(wire) == 1u);
  hop.receive_arp(arp_reply(*pool), wire.b());
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));

  // The refresh request goes out after kRefreshInterval.
  clock.advance(nexthop::NextHop::kRefreshInterval);
  hop.tick(wire.b());
  BOOST_TEST(drain(wire) == 1u);
  // While it waits: replies that are not its answer (for another address,
  // to another MAC, from another sender) change nothing.
  const Mac other{{0x02, 0, 0, 0, 0, 0x77}};
  hop.receive_arp(
      packet(*pool, testing::arp_frame(kGatewayMac, kIntruderMac, 2, kIntruderMac, kRouterIp,
                                       kGatewayMac, *Address::parse("10.0.0.9"))),
      wire.b());
  hop.receive_arp(packet(*pool, testing::arp_frame(kBroadcastMac, kIntruderMac, 2, kIntruderMac,
                                                   kRouterIp, other, kGatewayIp)),
                  wire.b());
  hop.receive_arp(
      packet(*pool, testing::arp_frame(kGatewayMac, kIntruderMac, 2, kIntruderMac,
                                       *Address::parse("10.0.0.9"), kGatewayMac, kGatewayIp)),
      wire.b());
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));
  BOOST_TEST(hop.counters().arp_errors == 2u);  // the two claiming the router's address

  // The router replaced (a new MAC answers the request): taken.
  const Mac replacement{{0x02, 0, 0, 0, 0, 0xfd}};
  clock.advance(base::kSecond);
  hop.receive_arp(arp_reply(*pool, replacement), wire.b());
  BOOST_TEST((hop.nexthop_mac() == replacement));
  BOOST_TEST(hop.counters().arp_replies == 2u);

  // An answer later than kAnswerWindow after the request is not taken.
  clock.advance(nexthop::NextHop::kRefreshInterval);
  hop.tick(wire.b());
  BOOST_TEST(drain(wire) == 1u);
  clock.advance(nexthop::NextHop::kAnswerWindow);
  hop.receive_arp(arp_reply(*pool), wire.b());
  BOOST_TEST((hop.nexthop_mac() == replacement));
  BOOST_TEST(hop.counters().arp_errors == 3u);
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(a_static_next_hop_ignores_arp) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire wire(*pool);
  base::ManualClock clock;
  nexthop::Settings s = settings(nullptr);
  s.nexthop_mac = kRouterMac;
  nexthop::NextHop hop(s, clock);
  hop.tick(wire.b());
  BOOST_TEST(drain(wire) == 0u);  // never solicits
  hop.receive_arp(arp_reply(*pool, kIntruderMac), wire.b());
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));
  BOOST_TEST(hop.counters().arp_errors == 0u);
  BOOST_TEST(pool->available() == pool->count());
}

BOOST_AUTO_TEST_CASE(neighbor_advertisements_for_the_next_hop_follow_rfc_4861) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire wire(*pool);
  base::ManualClock clock;
  nexthop::NextHop hop(settings6(), clock);

  // Not solicited, no Override flag: not taken (nd-errors).
  receive_nd(hop, *pool, wire.b(), kGatewayMac, kIntruderMac,
             advertisement(kIntruderMac, kSolicited, kGatewayIp6));
  BOOST_TEST(!hop.resolved());
  BOOST_TEST(hop.counters().arp_errors == 1u);

  // The answer to the gateway's solicitation (Solicited, no Override):
  // taken while unresolved.
  hop.tick(wire.b());
  BOOST_TEST(drain(wire) == 1u);
  receive_nd(hop, *pool, wire.b(), kGatewayMac, kRouterMac,
             advertisement(kRouterMac, kSolicited, kGatewayIp6));
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));
  BOOST_TEST(hop.counters().arp_replies == 1u);

  // Without Override another MAC does not replace a known one (RFC 4861
  // 7.2.5), nor does an advertisement without a target link-layer option.
  receive_nd(hop, *pool, wire.b(), kAllNodesGroupMac, kIntruderMac, advertisement(kIntruderMac, 0));
  receive_nd(hop, *pool, wire.b(), kGatewayMac, kIntruderMac,
             testing::neighbor_advertisement(kRouterIp6, kGatewayIp6, kRouterIp6,
                                             kSolicited | kOverride, std::nullopt));
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));
  BOOST_TEST(hop.counters().arp_errors == 2u);

  // The next hop's solicitation for the gateway is answered, not learned
  // from.
  const Address group = testing::solicited_node(kGatewayIp6);
  receive_nd(hop, *pool, wire.b(), testing::multicast_mac(group), kIntruderMac,
             testing::neighbor_solicitation(kRouterIp6, group, kGatewayIp6, kIntruderMac));
  BOOST_TEST((hop.nexthop_mac() == kRouterMac));
  BOOST_TEST(hop.counters().arp_requests == 1u);
  BOOST_TEST(drain(wire) == 1u);

  // An advertisement for the next hop's address with Override (RFC 4861
  // 7.2.6: a changed link-layer address, sent unsolicited to all nodes) is
  // taken.
  const Mac moved{{0x02, 0, 0, 0, 0, 0xfd}};
  clock.advance(60 * base::kSecond);
  receive_nd(hop, *pool, wire.b(), kAllNodesGroupMac, moved, advertisement(moved, kOverride));
  BOOST_TEST((hop.nexthop_mac() == moved));
  BOOST_TEST(hop.counters().arp_replies == 2u);
  // Advertisements for another target are none of its business.
  receive_nd(
      hop, *pool, wire.b(), kAllNodesGroupMac, kIntruderMac,
      testing::neighbor_advertisement(*Address::parse("2001:db8::9"), kAllNodes,
                                      *Address::parse("2001:db8::9"), kOverride, kIntruderMac));
  BOOST_TEST((hop.nexthop_mac() == moved));
  BOOST_TEST(hop.counters().arp_errors == 2u);
  BOOST_TEST(pool->available() == pool->count());
}
