#define BOOST_TEST_MODULE key_exchange_output
// The key exchange's datagrams on a thread of its own (kSeparate, strait
// run) and the public next hop: a datagram the key manager sends before
// the next hop's MAC is known waits for it rather than being dropped (a
// restarted gateway's first knock went out right away, not a
// negotiation-ttl later).
#include <boost/test/unit_test.hpp>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/load.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "net/headers.hpp"
#include "testing/frame_builder.hpp"
#include "worker/worker.hpp"

using namespace strait;

namespace {

constexpr const char* kConfig = R"(
private-interface4 { ifname priv0; ip 192.168.10.1; nexthop-ip 192.168.10.2;
                     nexthop-mac 02:00:00:00:00:02; }
public-interface4 { ifname pub0; ip 203.0.113.1; mac 02:00:00:00:00:01;
                    nexthop-ip 203.0.113.254; }
route4 { id far; gateway { ip 198.51.100.1; } net "10.99.0.0/16";
         preshared-key "0000000000000000000000000000000000000000000000000000000000000001";
         spi 1000; }
)";

// What the worker sent on its public side: frames as bytes.
std::vector<testing::Bytes> take(io::MemoryPort& far_end) {
  std::vector<testing::Bytes> frames;
  io::Packet* batch[64];
  while (const std::size_t n = far_end.receive(batch)) {
    for (std::size_t i = 0; i < n; ++i) {
      frames.emplace_back(batch[i]->data, batch[i]->data + batch[i]->length);
      far_end.release(batch[i]);
    }
  }
  return frames;
}

bool is_key_exchange(const testing::Bytes& frame) {
  return frame.size() > 14 + 20 + 8 && net::load16(frame.data() + 12) == net::kEthertypeIpv4 &&
         frame[14 + 9] == net::kProtocolUdp && net::load16(frame.data() + 14 + 20 + 2) == 303;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_knock_waits_for_the_public_next_hop_instead_of_being_dropped) {
  auto pool = std::move(io::FramePool::create(2048, 1024)).value();
  io::MemoryWire private_wire(*pool), public_wire(*pool);
  base::ManualClock clock(base::kSecond);
  base::SeededRandom random(1);
  auto config = config::load(kConfig, "key_exchange_output.conf");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? std::string() : config.error().message));
  auto w = worker::Worker::create(*config, 1, private_wire.b(), public_wire.b(), clock, random,
                                  nullptr, worker::KeyExchangeHosting::kSeparate);
  BOOST_REQUIRE(w.ok());

  // The key manager knocks at once; the worker has not resolved its public
  // next hop yet: it solicits it, and the knock waits.
  (*w)->poll_key_exchange();
  for (int i = 0; i < 5; ++i) {
    (*w)->poll();
    clock.advance(base::kMillisecond);
  }
  auto sent = take(public_wire.a());
  BOOST_TEST_REQUIRE(!sent.empty());
  for (const auto& frame : sent)
    BOOST_TEST(net::load16(frame.data() + 12) == net::kEthertypeArp);  // solicitations only
  BOOST_TEST(public_wire.b().counters().txdrop == 0u);

  // The next hop answers: the knock leaves, to its MAC.
  const net::Mac router = *net::Mac::parse("02:00:00:00:00:fe");
  const net::Mac self = *net::Mac::parse("02:00:00:00:00:01");
  const testing::Bytes reply =
      testing::arp_frame(self, router, 2, router, *net::Address::parse("203.0.113.254"), self,
                         *net::Address::parse("203.0.113.1"));
  io::Packet* p = public_wire.a().allocate();
  BOOST_TEST_REQUIRE(p != nullptr);
  std::copy(reply.begin(), reply.end(), p->data);
  p->length = static_cast<std::uint32_t>(reply.size());
  public_wire.a().transmit({&p, 1});
  for (int i = 0; i < 5; ++i) {
    (*w)->poll();
    clock.advance(base::kMillisecond);
  }
  sent = take(public_wire.a());
  std::size_t knocks = 0;
  for (const auto& frame : sent) {
    if (!is_key_exchange(frame)) continue;
    ++knocks;
    BOOST_TEST(std::equal(router.bytes.begin(), router.bytes.end(), frame.begin()));
    BOOST_TEST(frame[14 + 20 + 8 + 4] == 11);  // a knock
  }
  BOOST_TEST(knocks == 1u);
  BOOST_TEST(public_wire.b().counters().txdrop == 0u);
  BOOST_TEST((*w)->key_manager_counters().negotiations_initiated == 1u);
}
