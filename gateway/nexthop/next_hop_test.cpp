#define BOOST_TEST_MODULE next_hop
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "base/clock.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "net/headers.hpp"
#include "nexthop/next_hop.hpp"

// Workers serving queues of one interface share what any of them learns
// about the next hop: an ARP reply arrives on one queue only.

using namespace strait;
using namespace strait::net;

namespace {

const Mac kGatewayMac{{0x2a, 0xbb, 10, 0, 0, 1}};
const Mac kRouterMac{{0x02, 0, 0, 0, 0, 0xfe}};

nexthop::Settings settings(nexthop::SharedNeighbor* shared) {
  return {*Address::parse("10.0.0.1"), kGatewayMac, *Address::parse("10.0.0.254"), std::nullopt,
          shared};
}

io::Packet* arp_reply(io::FramePool& pool) {
  io::Packet* p = pool.allocate();
  std::uint8_t* f = p->data;
  std::memcpy(f, kGatewayMac.bytes.data(), 6);
  std::memcpy(f + 6, kRouterMac.bytes.data(), 6);
  store16(f + 12, kEthertypeArp);
  std::uint8_t* a = f + kEthernetHeaderSize;
  store16(a, 1);
  store16(a + 2, kEthertypeIpv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, 2);
  std::memcpy(a + 8, kRouterMac.bytes.data(), 6);
  const std::uint8_t router[4] = {10, 0, 0, 254}, gateway[4] = {10, 0, 0, 1};
  std::memcpy(a + 14, router, 4);
  std::memcpy(a + 18, kGatewayMac.bytes.data(), 6);
  std::memcpy(a + 24, gateway, 4);
  p->length = kEthernetHeaderSize + kArpSize;
  return p;
}

io::Packet* ip_packet(io::FramePool& pool) {
  io::Packet* p = pool.allocate();
  std::memset(p->data, 0, 60);
  p->data[kEthernetHeaderSize] = 0x45;
  p->length = 60;
  return p;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_reply_heard_on_one_queue_resolves_the_next_hop_for_all) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire queue1(*pool), queue2(*pool);
  base::ManualClock clock;
  nexthop::SharedNeighbor shared;
  nexthop::NextHop one(settings(&shared), clock), two(settings(&shared), clock);
  BOOST_TEST(!shared.read().has_value());

  one.receive_arp(arp_reply(*pool), queue1.b());
  BOOST_TEST(one.resolved());
  BOOST_TEST(one.counters().arp_replies == 1u);
  BOOST_REQUIRE(shared.read().has_value());
  BOOST_TEST((*shared.read() == kRouterMac));

  // The second worker never saw the reply, yet sends to the router at once.
  io::Link link;
  link.push(ip_packet(*pool));
  two.send(link, queue2.b());
  io::Packet* got[4];
  BOOST_REQUIRE(queue2.a().receive(got) == 1u);
  BOOST_TEST(std::memcmp(got[0]->data, kRouterMac.bytes.data(), 6) == 0);
  BOOST_TEST(std::memcmp(got[0]->data + 6, kGatewayMac.bytes.data(), 6) == 0);
  BOOST_TEST(queue2.b().counters().txdrop == 0u);
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
  one.receive_arp(arp_reply(*pool), queue1.b());
  two.tick(queue2.b());
  BOOST_TEST((two.nexthop_mac() == kRouterMac));
  const Mac replaced{{0x02, 0, 0, 0, 0, 0xfd}};
  shared.publish(replaced);
  two.tick(queue2.b());
  BOOST_TEST((two.nexthop_mac() == replaced));
}
