#define BOOST_TEST_MODULE pcap_replay
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstring>
#include <vector>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/load.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "io/pcap_port.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "worker/worker.hpp"

// A gateway driven by a capture: its private port replays an input pcap
// and records what it sends into an output pcap (what conformance/run will
// do), here with a ping and an ARP request for the gateway's private address.

using namespace strait;
using namespace strait::net;

namespace {

constexpr const char* kConfig = R"(
private-interface4 { ifname priv0; ip 192.168.10.1; nexthop-ip 192.168.10.2;
                     nexthop-mac 02:00:00:00:00:02; }
public-interface4 { ifname pub0; ip 203.0.113.1; nexthop-ip 203.0.113.254;
                    nexthop-mac 02:00:00:00:00:fe; }
route4 { id far; gateway { ip 198.51.100.1; } net "10.99.0.0/16";
         preshared-key "0000000000000000000000000000000000000000000000000000000000000001";
         spi 1000; }
)";

const std::uint8_t kHostMac[6] = {0x02, 0, 0, 0, 0, 2};
const std::uint8_t kHostIp[4] = {192, 168, 10, 2};
const std::uint8_t kGatewayIp[4] = {192, 168, 10, 1};

std::vector<std::uint8_t> ping() {
  std::vector<std::uint8_t> f(14 + 20 + 8 + 4);
  std::memset(f.data(), 0xff, 6);
  std::memcpy(f.data() + 6, kHostMac, 6);
  store16(f.data() + 12, kEthertypeIpv4);
  std::uint8_t* ip = f.data() + 14;
  ip[0] = 0x45;
  store16(ip + 2, 32);
  ip[8] = 64;
  ip[9] = kProtocolIcmp;
  std::memcpy(ip + 12, kHostIp, 4);
  std::memcpy(ip + 16, kGatewayIp, 4);
  store16(ip + 10, checksum(ip, 20));
  std::uint8_t* icmp = ip + 20;
  icmp[0] = 8;
  store16(icmp + 4, 0x1234);
  store16(icmp + 6, 7);
  std::memcpy(icmp + 8, "ping", 4);
  store16(icmp + 2, checksum(icmp, 12));
  return f;
}

std::vector<std::uint8_t> arp_request() {
  std::vector<std::uint8_t> f(14 + 28);
  std::memset(f.data(), 0xff, 6);
  std::memcpy(f.data() + 6, kHostMac, 6);
  store16(f.data() + 12, kEthertypeArp);
  std::uint8_t* a = f.data() + 14;
  store16(a, 1);
  store16(a + 2, kEthertypeIpv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, 1);
  std::memcpy(a + 8, kHostMac, 6);
  std::memcpy(a + 14, kHostIp, 4);
  std::memcpy(a + 24, kGatewayIp, 4);
  return f;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gateway_answers_a_replayed_capture) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  base::ManualClock clock(base::kSecond);
  base::SeededRandom random(1);
  const std::string input = "pcap_replay_in.pcap", output = "pcap_replay_out.pcap";
  {
    auto writer = io::PcapPort::open(*pool, "", input, clock);
    BOOST_REQUIRE(writer.ok());
    for (const auto& frame : {ping(), arp_request()}) {
      io::Packet* p = pool->allocate();
      std::memcpy(p->data, frame.data(), frame.size());
      p->length = static_cast<std::uint32_t>(frame.size());
      io::Packet* batch[] = {p};
      (*writer)->transmit(batch);
    }
  }
  auto config = config::load(kConfig, "pcap_replay.conf");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? std::string() : config.error().message));
  {
    auto replay = io::PcapPort::open(*pool, input, output, clock);
    BOOST_REQUIRE(replay.ok());
    io::MemoryWire public_wire(*pool);
    auto worker = worker::Worker::create(*config, 1, **replay, public_wire.b(), clock, random);
    BOOST_REQUIRE(worker.ok());
    while (!(*replay)->input_exhausted())
      (*worker)->poll();
    (*worker)->poll();
    BOOST_TEST((*worker)->private_icmp()[state::IcmpCounters::kEchoRequest] == 1u);
    BOOST_TEST((*worker)->private_next_hop().arp_requests == 1u);
    // Nothing of the private traffic leaks to the public side; the only
    // frame there is the key manager's knock for the route.
    io::Packet* sent[4];
    BOOST_TEST_REQUIRE(public_wire.a().receive(sent) == 1u);
    BOOST_TEST(sent[0]->data[14 + 9] == kProtocolUdp);
    BOOST_TEST(sent[0]->data[14 + 20 + 8 + 4] == 11);
    pool->release(sent[0]);
  }
  auto reader = io::PcapPort::open(*pool, output, "", clock);
  BOOST_REQUIRE(reader.ok());
  io::Packet* got[8];
  const std::size_t n = (*reader)->receive(got);
  BOOST_REQUIRE(n == 2u);
  // The ARP reply leaves at once, the echo reply with the next batch.
  io::Packet* arp_reply = got[0];
  io::Packet* echo_reply = got[1];
  // Echo reply to the host, from the gateway, checksums valid.
  const std::uint8_t* ip = echo_reply->data + 14;
  BOOST_TEST(std::memcmp(echo_reply->data, kHostMac, 6) == 0);
  BOOST_TEST(ip[9] == kProtocolIcmp);
  BOOST_TEST(std::memcmp(ip + 12, kGatewayIp, 4) == 0);
  BOOST_TEST(std::memcmp(ip + 16, kHostIp, 4) == 0);
  BOOST_TEST(ip[20] == 0);  // echo reply
  BOOST_TEST(checksum(ip, 20) == 0u);
  BOOST_TEST(checksum(ip + 20, 12) == 0u);
  BOOST_TEST(std::memcmp(ip + 28, "ping", 4) == 0);
  // ARP reply: the gateway's derived private MAC 2a:bb:c0:a8:0a:01.
  const std::uint8_t* arp = arp_reply->data + 14;
  const std::uint8_t derived[6] = {0x2a, 0xbb, 192, 168, 10, 1};
  BOOST_TEST(load16(arp_reply->data + 12) == kEthertypeArp);
  BOOST_TEST(load16(arp + 6) == 2u);
  BOOST_TEST(std::memcmp(arp + 8, derived, 6) == 0);
  BOOST_TEST(std::memcmp(arp + 14, kGatewayIp, 4) == 0);
  BOOST_TEST(std::memcmp(arp + 18, kHostMac, 6) == 0);
  for (std::size_t i = 0; i < n; ++i)
    pool->release(got[i]);
  std::remove(input.c_str());
  std::remove(output.c_str());
}
