#define BOOST_TEST_MODULE pcap_replay
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
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
// do), here with pings and ARP requests for the gateway's private address.
//
// The order the output must have (io/pcap_port.hpp): replies of one kind in
// the order of the requests that caused them, so the echo replies in the
// order of the echo requests and the ARP replies in the order of the ARP
// requests. Between the two kinds nothing is promised (within one poll the
// ARP replies happen to leave first, sent as dispatch meets the requests,
// the echo replies with the rest of the poll's output), so the test finds
// each reply by its kind and checks the order within each kind only.

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
// A second host on the LAN that asks for the gateway too.
const std::uint8_t kOtherMac[6] = {0x02, 0, 0, 0, 0, 3};
const std::uint8_t kOtherIp[4] = {192, 168, 10, 3};

std::vector<std::uint8_t> ping(std::uint16_t sequence) {
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
  store16(icmp + 6, sequence);
  std::memcpy(icmp + 8, "ping", 4);
  store16(icmp + 2, checksum(icmp, 12));
  return f;
}

std::vector<std::uint8_t> arp_request(const std::uint8_t (&mac)[6], const std::uint8_t (&ip)[4]) {
  std::vector<std::uint8_t> f(14 + 28);
  std::memset(f.data(), 0xff, 6);
  std::memcpy(f.data() + 6, mac, 6);
  store16(f.data() + 12, kEthertypeArp);
  std::uint8_t* a = f.data() + 14;
  store16(a, 1);
  store16(a + 2, kEthertypeIpv4);
  a[4] = 6;
  a[5] = 4;
  store16(a + 6, 1);
  std::memcpy(a + 8, mac, 6);
  std::memcpy(a + 14, ip, 4);
  std::memcpy(a + 24, kGatewayIp, 4);
  return f;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gateway_answers_a_replayed_capture) {
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  base::ManualClock clock(base::kSecond);
  base::SeededRandom random(1);
  const std::string input = "pcap_replay_in.pcap", output = "pcap_replay_out.pcap";
  // Pings 1, 2, 3 with an ARP request from each host between them.
  const std::vector<std::vector<std::uint8_t>> frames = {
      ping(1), arp_request(kHostMac, kHostIp), ping(2), arp_request(kOtherMac, kOtherIp), ping(3)};
  {
    auto writer = io::PcapPort::open(*pool, "", input, clock);
    BOOST_REQUIRE(writer.ok());
    for (const auto& frame : frames) {
      io::Packet* p = pool->allocate();
      std::memcpy(p->data, frame.data(), frame.size());
      p->length = static_cast<std::uint32_t>(frame.size());
      io::Packet* batch[] = {p};
      (*writer)->transmit(batch);
    }
    const base::Status closed = (*writer)->close();
    BOOST_REQUIRE_MESSAGE(closed.ok(), (closed.ok() ? std::string() : closed.error().message));
  }
  auto config = config::load(kConfig, "pcap_replay.conf");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? std::string() : config.error().message));
  {
    auto replay = io::PcapPort::open(*pool, input, output, clock);
    BOOST_REQUIRE(replay.ok());
    io::MemoryWire public_wire(*pool);
    auto worker = worker::Worker::create(*config, 1, **replay, public_wire.b(), clock, random);
    BOOST_REQUIRE(worker.ok());
    while ((*replay)->input_state() == io::PcapPort::InputState::kReading)
      (*worker)->poll();
    // The end of the capture, not a read error.
    BOOST_REQUIRE_MESSAGE((*replay)->input_state() == io::PcapPort::InputState::kEnded,
                          "reading " << input << ": " << (*replay)->input_error());
    (*worker)->poll();
    BOOST_TEST((*replay)->counters().rxpackets == frames.size());
    BOOST_TEST((*worker)->private_icmp()[state::IcmpCounters::kEchoRequest] == 3u);
    BOOST_TEST((*worker)->private_next_hop().arp_requests == 2u);
    // Nothing of the private traffic leaks to the public side; the only
    // frame there is the key manager's knock for the route.
    io::Packet* sent[4];
    BOOST_TEST_REQUIRE(public_wire.a().receive(sent) == 1u);
    BOOST_TEST(sent[0]->data[14 + 9] == kProtocolUdp);
    BOOST_TEST(sent[0]->data[14 + 20 + 8 + 4] == 11);
    pool->release(sent[0]);
    // Everything the gateway sent is in the output capture.
    const base::Status closed = (*replay)->close();
    BOOST_REQUIRE_MESSAGE(closed.ok(), (closed.ok() ? std::string() : closed.error().message));
    BOOST_TEST((*replay)->counters().txpackets == 5u);
    BOOST_TEST((*replay)->counters().txerrors == 0u);
  }
  auto reader = io::PcapPort::open(*pool, output, "", clock);
  BOOST_REQUIRE(reader.ok());
  io::Packet* got[8];
  const std::size_t n = (*reader)->receive(got);
  BOOST_REQUIRE((*reader)->input_state() == io::PcapPort::InputState::kEnded);
  BOOST_REQUIRE(n == 5u);
  // Each reply by its kind, in capture order within the kind.
  std::vector<const io::Packet*> echo_replies, arp_replies;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t type = load16(got[i]->data + 12);
    BOOST_TEST_REQUIRE((type == kEthertypeIpv4 || type == kEthertypeArp), "frame " << i);
    (type == kEthertypeIpv4 ? echo_replies : arp_replies).push_back(got[i]);
  }
  BOOST_REQUIRE(echo_replies.size() == 3u);
  BOOST_REQUIRE(arp_replies.size() == 2u);
  // Echo replies to the host, from the gateway, checksums valid, in the
  // order of the requests (sequence 1, 2, 3).
  for (std::size_t i = 0; i < echo_replies.size(); ++i) {
    BOOST_TEST_CONTEXT("echo reply " << i) {
      const io::Packet* echo_reply = echo_replies[i];
      const std::uint8_t* ip = echo_reply->data + 14;
      BOOST_TEST(std::memcmp(echo_reply->data, kHostMac, 6) == 0);
      BOOST_TEST(ip[9] == kProtocolIcmp);
      BOOST_TEST(std::memcmp(ip + 12, kGatewayIp, 4) == 0);
      BOOST_TEST(std::memcmp(ip + 16, kHostIp, 4) == 0);
      BOOST_TEST(ip[20] == 0);  // echo reply
      BOOST_TEST(checksum(ip, 20) == 0u);
      BOOST_TEST(checksum(ip + 20, 12) == 0u);
      BOOST_TEST(load16(ip + 20 + 6) == i + 1);  // sequence
      BOOST_TEST(std::memcmp(ip + 28, "ping", 4) == 0);
    }
  }
  // ARP replies from the gateway's derived private MAC 2a:bb:c0:a8:0a:01,
  // to the host, then to the other host: the order of the requests.
  const std::uint8_t derived[6] = {0x2a, 0xbb, 192, 168, 10, 1};
  const std::uint8_t* const asked_by_mac[] = {kHostMac, kOtherMac};
  const std::uint8_t* const asked_by_ip[] = {kHostIp, kOtherIp};
  for (std::size_t i = 0; i < arp_replies.size(); ++i) {
    BOOST_TEST_CONTEXT("ARP reply " << i) {
      const io::Packet* arp_reply = arp_replies[i];
      const std::uint8_t* arp = arp_reply->data + 14;
      BOOST_TEST(std::memcmp(arp_reply->data, asked_by_mac[i], 6) == 0);
      BOOST_TEST(load16(arp + 6) == 2u);
      BOOST_TEST(std::memcmp(arp + 8, derived, 6) == 0);
      BOOST_TEST(std::memcmp(arp + 14, kGatewayIp, 4) == 0);
      BOOST_TEST(std::memcmp(arp + 18, asked_by_mac[i], 6) == 0);
      BOOST_TEST(std::memcmp(arp + 24, asked_by_ip[i], 4) == 0);
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    pool->release(got[i]);
  std::remove(input.c_str());
  std::remove(output.c_str());
}

BOOST_AUTO_TEST_CASE(a_corrupt_capture_is_a_read_error_not_the_end) {
  // The replay loop stops on a read error, and says so, rather than taking
  // the frames read so far for the whole capture.
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  base::ManualClock clock(base::kSecond);
  base::SeededRandom random(1);
  const std::string input = "pcap_replay_corrupt.pcap";
  {
    auto writer = io::PcapPort::open(*pool, "", input, clock);
    BOOST_REQUIRE(writer.ok());
    for (const auto& frame : {ping(1), ping(2)}) {
      io::Packet* p = pool->allocate();
      std::memcpy(p->data, frame.data(), frame.size());
      p->length = static_cast<std::uint32_t>(frame.size());
      io::Packet* batch[] = {p};
      (*writer)->transmit(batch);
    }
    BOOST_REQUIRE((*writer)->close().ok());
  }
  // Cut the second ping short.
  std::filesystem::resize_file(input, std::filesystem::file_size(input) - 10);
  auto config = config::load(kConfig, "pcap_replay.conf");
  BOOST_REQUIRE(config.ok());
  auto replay = io::PcapPort::open(*pool, input, "", clock);
  BOOST_REQUIRE(replay.ok());
  io::MemoryWire public_wire(*pool);
  auto worker = worker::Worker::create(*config, 1, **replay, public_wire.b(), clock, random);
  BOOST_REQUIRE(worker.ok());
  while ((*replay)->input_state() == io::PcapPort::InputState::kReading)
    (*worker)->poll();
  BOOST_TEST((*replay)->input_state() == io::PcapPort::InputState::kFailed);
  BOOST_TEST(std::string((*replay)->input_error()).find("truncated") != std::string::npos);
  BOOST_TEST((*replay)->counters().rxerrors == 1u);
  BOOST_TEST((*replay)->counters().rxpackets == 1u);  // the first ping only
  BOOST_TEST((*worker)->private_icmp()[state::IcmpCounters::kEchoRequest] == 1u);
  io::Packet* sent[4];
  while (const std::size_t k = public_wire.a().receive(sent))
    for (std::size_t i = 0; i < k; ++i)
      pool->release(sent[i]);
  std::remove(input.c_str());
}
