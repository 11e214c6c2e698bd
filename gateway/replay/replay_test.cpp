#define BOOST_TEST_MODULE replay
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.hpp"
#include "io/frame_pool.hpp"
#include "io/pcap_port.hpp"
#include "replay/frame_steering.hpp"
#include "replay/replay_session.hpp"
#include "replay/simulated_neighbor.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/sample_sites.hpp"

// strait replay's session: the real gateway on virtual time over captures.
// Paris's gateway encrypts what its LAN sends, and the ESP it wrote is
// replayed into Tokyo's gateway, which must hand the original packets to
// its LAN: two gateways of the project checked through captures only.

using namespace strait;
using testing::Bytes;

namespace {

constexpr base::Nanoseconds kStart = 1'767'225'600ull * base::kSecond;  // 2026-01-01

struct Frame {
  base::Nanoseconds time;
  Bytes bytes;
};

// A scratch directory of its own for each test.
struct Scratch {
  std::filesystem::path dir;
  Scratch() {
    dir = std::filesystem::temp_directory_path() /
          ("strait-replay-test-" + std::to_string(::getpid()) + "-" +
           boost::unit_test::framework::current_test_case().p_name.get());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
  std::string file(const std::string& name, const std::string& text = "") const {
    const auto path = (dir / name).string();
    if (!text.empty()) std::ofstream(path) << text;
    return path;
  }
};

void write_capture(const std::string& path, const std::vector<Frame>& frames) {
  base::ManualClock clock;
  auto pool = io::FramePool::create(4096, 16);
  BOOST_REQUIRE(pool);
  auto port = io::PcapPort::open(**pool, "", path, clock);
  BOOST_REQUIRE(port);
  for (const Frame& f : frames) {
    clock.set(f.time);
    io::Packet* p = (*port)->allocate();
    std::copy(f.bytes.begin(), f.bytes.end(), p->data);
    p->length = static_cast<std::uint32_t>(f.bytes.size());
    (*port)->transmit({&p, 1});
  }
  BOOST_REQUIRE((*port)->close());
}

std::vector<Frame> read_capture(const std::string& path) {
  base::ManualClock clock;
  auto pool = io::FramePool::create(16384, 16);
  BOOST_REQUIRE(pool);
  auto port = io::PcapPort::open(**pool, path, "", clock);
  BOOST_REQUIRE_MESSAGE(port, path);
  std::vector<Frame> frames;
  for (;;) {
    const base::Nanoseconds t = (*port)->next_frame_time();
    io::Packet* p = nullptr;
    if ((*port)->receive({&p, 1}) == 0) break;
    frames.push_back({t, Bytes(p->data, p->data + p->length)});
    (*port)->release(p);
  }
  BOOST_REQUIRE((*port)->input_state() == io::PcapPort::InputState::kEnded);
  return frames;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

replay::ReplaySummary replay_ok(const replay::ReplayOptions& options) {
  auto session = replay::ReplaySession::open(options);
  BOOST_REQUIRE_MESSAGE(session, (session ? "" : session.error().message));
  auto summary = (*session)->run();
  BOOST_REQUIRE_MESSAGE(summary, (summary ? "" : summary.error().message));
  return *summary;
}

std::uint32_t esp_sequence(const Bytes& frame) {
  const auto ip = testing::parse_ip_frame(frame);
  BOOST_REQUIRE(ip && ip->protocol == 50);
  const std::uint8_t* esp = ip->payload.data();
  return std::uint32_t{esp[4]} << 24 | std::uint32_t{esp[5]} << 16 | std::uint32_t{esp[6]} << 8 |
         esp[7];
}

// Three datagrams from paris's LAN to a host behind tokyo, 0.5 s apart.
std::vector<Frame> lan_datagrams(const testing::Site& paris, const testing::Site& tokyo) {
  std::vector<Frame> frames;
  for (std::uint8_t i = 0; i < 3; ++i)
    frames.push_back({kStart + i * base::kSecond / 2,
                      testing::lan_frame(paris, testing::host_datagram(paris, tokyo, 100, i))});
  return frames;
}

}  // namespace

BOOST_AUTO_TEST_CASE(esp_from_one_gateway_is_decapsulated_by_the_other) {
  for (const net::Family family : testing::kFamilies) {
    BOOST_TEST_CONTEXT(testing::family_name(family)) {
      const Scratch s;
      const auto paris = testing::paris(family), tokyo = testing::tokyo(family);
      const auto datagrams = lan_datagrams(paris, tokyo);
      write_capture(s.file("paris-lan.pcap"), datagrams);

      replay::ReplayOptions options;
      options.config_path = s.file("paris.conf", testing::site_config(paris, tokyo));
      options.private_in = s.file("paris-lan.pcap");
      options.out_dir = s.file("paris");
      options.initial_seq = 0xfffffffeull;  // crosses 2^32 on the third packet
      const auto summary = replay_ok(options);
      BOOST_TEST(summary.private_in == 3u);
      BOOST_TEST(summary.start == kStart);
      const auto esp = read_capture(s.file("paris/public-out.pcap"));
      BOOST_REQUIRE_EQUAL(esp.size(), 3u);
      const std::uint32_t expected_low[] = {0xfffffffe, 0xffffffff, 0};
      for (std::size_t i = 0; i < 3; ++i) {
        BOOST_TEST(esp[i].time ==
                   datagrams[i].time);  // sent when received: stamped in virtual time
        BOOST_TEST(esp_sequence(esp[i].bytes) == expected_low[i]);
      }

      // Tokyo takes paris's ESP (addressed to tokyo's MAC by paris's next hop).
      std::vector<Frame> arriving;
      for (const Frame& f : esp) {
        Bytes frame = f.bytes;
        std::copy(tokyo.public_mac.bytes.begin(), tokyo.public_mac.bytes.end(), frame.begin());
        arriving.push_back({f.time + 110 * base::kMillisecond, frame});
      }
      write_capture(s.file("tokyo-wan.pcap"), arriving);
      replay::ReplayOptions at_tokyo;
      at_tokyo.config_path = s.file("tokyo.conf", testing::site_config(tokyo, paris));
      at_tokyo.public_in = s.file("tokyo-wan.pcap");
      at_tokyo.out_dir = s.file("tokyo");
      replay_ok(at_tokyo);
      const auto delivered = read_capture(s.file("tokyo/private-out.pcap"));
      BOOST_REQUIRE_EQUAL(delivered.size(), 3u);
      for (std::size_t i = 0; i < 3; ++i) {
        const auto ip = testing::parse_ip_frame(delivered[i].bytes);
        BOOST_REQUIRE(ip);
        // Decremented once by each gateway.
        const Bytes sent = testing::host_datagram(paris, tokyo, 100, static_cast<std::uint8_t>(i));
        BOOST_TEST(Bytes(ip->packet.begin(), ip->packet.end()) == testing::with_ttl(sent, 62),
                   boost::test_tools::per_element());
        BOOST_TEST(delivered[i].time == arriving[i].time);
      }
      const std::string state = read_file(s.file("tokyo/gateway-state"));
      BOOST_TEST(state.find("highest-sequence 4294967296;") != std::string::npos);
      BOOST_TEST(read_file(s.file("tokyo/gateway-state.json")).find("\"gateway-state\":{") !=
                 std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(timers_fire_at_their_virtual_time) {
  // No input: the clock starts at 0. The key exchange knocks at once and
  // again each negotiation-ttl (5 s) without an answer; the next hop is
  // solicited at once, again each second while unanswered.
  const Scratch s;
  const auto paris = testing::paris(net::Family::kIpv4), tokyo = testing::tokyo(net::Family::kIpv4);
  testing::SiteOptions o = testing::key_exchange_options();
  o.static_private_nexthop = false;
  replay::ReplayOptions options;
  options.config_path = s.file("paris.conf", testing::site_config(paris, tokyo, o));
  options.out_dir = s.file("out");
  options.until = 12 * base::kSecond;
  const auto summary = replay_ok(options);
  BOOST_TEST(summary.end == 12 * base::kSecond);
  std::vector<base::Nanoseconds> knocks;
  for (const Frame& f : read_capture(s.file("out/public-out.pcap")))
    knocks.push_back(f.time);
  BOOST_TEST(knocks == (std::vector<base::Nanoseconds>{0, 5 * base::kSecond, 10 * base::kSecond}),
             boost::test_tools::per_element());
  std::vector<base::Nanoseconds> solicitations;
  for (const Frame& f : read_capture(s.file("out/private-out.pcap"))) {
    BOOST_REQUIRE(testing::parse_arp_frame(f.bytes));
    solicitations.push_back(f.time);
  }
  BOOST_REQUIRE_EQUAL(solicitations.size(), 13u);  // 0, 1, ..., 12 s
  for (std::size_t i = 0; i < solicitations.size(); ++i)
    BOOST_TEST(solicitations[i] == i * base::kSecond);

  // The same again, byte for byte.
  options.out_dir = s.file("again");
  replay_ok(options);
  for (const char* name : {"public-out.pcap", "private-out.pcap", "gateway-state"})
    BOOST_TEST(read_file(s.file(std::string("out/") + name)) ==
               read_file(s.file(std::string("again/") + name)));
}

BOOST_AUTO_TEST_CASE(loopback_esp_and_answered_neighbors) {
  // A gateway whose route leads to itself, with one SA both ways: its ESP
  // comes back (--loopback-esp) and the packets return to its LAN,
  // decremented twice. Nothing is configured for the next hops: the
  // simulated ones answer (--answer-neighbors), before the first packet.
  const Scratch s;
  const auto paris = testing::paris(net::Family::kIpv6);
  testing::Site self = testing::tokyo(net::Family::kIpv6);
  self.public_ip = paris.public_ip;  // the route's gateway: paris itself
  self.outbound = paris.outbound;
  testing::SiteOptions o;
  o.static_private_nexthop = o.static_public_nexthop = false;
  o.data_plane = false;  // the SAs come below, one for both ways
  o.extra = "data-plane true;\n" + testing::sa_entry("outbound-sa", self.name, paris.outbound) +
            testing::sa_entry("inbound-sa", self.name, paris.outbound);
  std::string config = testing::site_config(paris, self, o);
  config.replace(config.find("data-plane false;"), 17, "");
  const auto datagrams = lan_datagrams(paris, self);
  write_capture(s.file("lan.pcap"), datagrams);
  replay::ReplayOptions options;
  options.config_path = s.file("self.conf", config);
  options.private_in = s.file("lan.pcap");
  options.out_dir = s.file("out");
  options.loopback_esp = options.answer_neighbors = true;
  const auto summary = replay_ok(options);
  BOOST_TEST(summary.reflected_esp == 3u);
  BOOST_TEST(summary.neighbor_answers == 2u);  // one per interface
  std::vector<Frame> returned;
  for (const Frame& f : read_capture(s.file("out/private-out.pcap")))
    if (const auto ip = testing::parse_ip_frame(f.bytes); ip && ip->protocol == 17)
      returned.push_back(f);  // (the rest: neighbor solicitations)
  BOOST_REQUIRE_EQUAL(returned.size(), 3u);
  const auto lan_mac = replay::SimulatedNeighbor::mac_of(paris.private_nexthop_ip);
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(std::equal(lan_mac.bytes.begin(), lan_mac.bytes.end(), returned[i].bytes.begin()));
    const auto ip = testing::parse_ip_frame(returned[i].bytes);
    const Bytes sent = testing::host_datagram(paris, self, 100, static_cast<std::uint8_t>(i));
    BOOST_TEST(Bytes(ip->packet.begin(), ip->packet.end()) == testing::with_ttl(sent, 62),
               boost::test_tools::per_element());
    BOOST_TEST(returned[i].time == datagrams[i].time);
  }
}

BOOST_AUTO_TEST_CASE(unreadable_captures_are_errors_naming_the_file) {
  const Scratch s;
  const auto paris = testing::paris(net::Family::kIpv4), tokyo = testing::tokyo(net::Family::kIpv4);
  write_capture(s.file("lan.pcap"), lan_datagrams(paris, tokyo));
  // Cut inside the last record: a read error, not the end of the input.
  std::string bytes = read_file(s.file("lan.pcap"));
  bytes.resize(bytes.size() - 10);
  std::ofstream(s.file("cut.pcap"), std::ios::binary | std::ios::trunc) << bytes;
  replay::ReplayOptions options;
  options.config_path = s.file("paris.conf", testing::site_config(paris, tokyo));
  options.private_in = s.file("cut.pcap");
  options.out_dir = s.file("out");
  auto session = replay::ReplaySession::open(options);
  BOOST_REQUIRE(session);
  auto run = (*session)->run();
  BOOST_REQUIRE(!run);
  BOOST_TEST(run.error().message.find("cut.pcap") != std::string::npos, run.error().message);

  options.private_in = s.file("missing.pcap");
  auto missing = replay::ReplaySession::open(options);
  BOOST_REQUIRE(!missing);
  BOOST_TEST(missing.error().message.find("missing.pcap") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(frames_are_steered_to_queues_as_documented) {
  const auto paris = testing::paris(net::Family::kIpv4), tokyo = testing::tokyo(net::Family::kIpv4);
  // xor of 10.1.2.3 and 10.9.8.7 = 0 ^ 8 ^ 10 ^ 4 = 6: queue index 0 of 2, 0 of 3.
  const Bytes ip = testing::udp_packet(testing::ip("10.1.2.3"), testing::ip("10.9.8.7"), 1, 2, {});
  const Bytes frame = testing::lan_frame(paris, ip);
  BOOST_TEST(replay::private_queue_index(frame, 2) == 0u);
  BOOST_TEST(replay::private_queue_index(frame, 4) == 2u);
  BOOST_TEST(replay::private_queue_index(frame, 1) == 0u);
  const replay::PublicSide sides[] = {{paris.public_mac, paris.public_ip},
                                      {paris.public_mac2, paris.public_ip2}};
  // By MAC, then (broadcast ARP) by the address asked for.
  BOOST_TEST(replay::public_queue_index(testing::ip_frame(paris.public_mac2, tokyo.public_mac, ip),
                                        sides) == 1u);
  const Bytes arp = testing::arp_frame(net::kBroadcastMac, tokyo.public_mac, 1, tokyo.public_mac,
                                       tokyo.public_ip, net::Mac{}, paris.public_ip2);
  BOOST_TEST(replay::public_queue_index(arp, sides) == 1u);
  BOOST_TEST(replay::public_queue_index(testing::ip_frame(tokyo.public_mac, tokyo.public_mac, ip),
                                        sides) == 0u);
}
