#define BOOST_TEST_MODULE icmp_error_frame
// ICMP errors the gateway originates must fit the frame they are built in:
// with frames as small as the pool allows, the quote shrinks (RFC 4443 2.4
// (c): as much as possible; RFC 792 / 1812: at least the IP header and 8
// bytes) and an error whose minimum does not fit is dropped and counted as
// the port's txdrop. Nothing is ever written outside the frame.
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "io/frame_pool.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/headers.hpp"
#include "router/icmp_error_sender.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"

using namespace strait;
using namespace strait::testing;
using net::Family;

namespace {

// FramePool::create's minimum: the descriptor, the default headroom and 64
// data bytes.
constexpr std::size_t kSmallestFrame = sizeof(io::Packet) + io::kDefaultHeadroom + 64;
constexpr std::size_t kFrameSizes[] = {kSmallestFrame, 320, 384, 512, 1024, 1472, 1536, 2048};
constexpr std::uint8_t kCanary = 0xa5;
constexpr std::size_t kFrames = 16;

// The quote an error about an offender of `offender_length` bytes (IP
// header of `header_length` bytes) carries when the IP packet may take
// `room` bytes; nullopt when not even the header and 8 bytes fit.
std::optional<std::size_t> expected_quote(Family family, std::size_t offender_length,
                                          std::size_t header_length, std::size_t room) {
  const bool v4 = family == Family::kIpv4;
  const std::size_t overhead = (v4 ? 20 : 40) + 8;
  const std::size_t limit = (v4 ? 576 : 1280) - overhead;
  const std::size_t minimum = std::min(offender_length, header_length + 8);
  if (room < overhead + minimum) return std::nullopt;
  return std::min({offender_length, limit, room - overhead});
}

// A UDP packet of exactly `total` bytes.
Bytes offender(const net::Address& source, const net::Address& destination, std::size_t total,
               const IpOptions& options = {}) {
  const std::size_t header =
      is_ipv4(source.family) ? 20 + (options.ipv4_options.size() + 3) / 4 * 4 : 40;
  return udp_packet(source, destination, 1000, 2000, pattern(total - header - 8, 3), options);
}

// Checks an error (an IP packet) against its offender.
void check_error_ip(const std::optional<IpView>& ip, std::size_t length, Family family,
                    const net::Address& from, const Bytes& about, icmp::ErrorType type,
                    std::uint32_t rest, std::size_t quote) {
  BOOST_TEST_REQUIRE(ip.has_value());
  BOOST_TEST((ip->family == family));
  BOOST_TEST(ip->packet.size() == length);  // the stated length is the frame's
  BOOST_TEST(ip->header_checksum_ok);
  BOOST_TEST(ip->source.to_string() == from.to_string());
  const auto o = parse_ip(about);
  BOOST_TEST_REQUIRE(o.has_value());
  BOOST_TEST(ip->destination.to_string() == o->source.to_string());
  const auto m = parse_icmp(*ip);
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->checksum_ok);
  BOOST_TEST(m->type == type.type);
  BOOST_TEST(m->code == type.code);
  BOOST_TEST(m->rest == rest);
  BOOST_TEST(m->body.size() == quote);
  BOOST_TEST((m->body == Bytes(about.begin(), about.begin() + static_cast<long>(quote))));
}

// The same for an Ethernet frame.
void check_error(const Bytes& frame, Family family, const net::Address& from, const Bytes& about,
                 icmp::ErrorType type, std::uint32_t rest, std::size_t quote) {
  BOOST_TEST_REQUIRE(frame.size() >= net::kEthernetHeaderSize);
  check_error_ip(parse_ip_frame(frame), frame.size() - net::kEthernetHeaderSize, family, from,
                 about, type, rest, quote);
}

// A port that hands out one chosen frame of a pool, so that bytes written
// past its end would land in a neighbouring frame.
class OneFramePort final : public io::Port {
 public:
  explicit OneFramePort(io::Packet* frame) : frame_(frame) {}
  io::Packet* allocate() noexcept override {
    if (!free_) return nullptr;
    free_ = false;
    frame_->data = frame_->buffer_start() + io::kDefaultHeadroom;
    frame_->length = 0;
    return frame_;
  }
  void release(io::Packet* p) noexcept override {
    BOOST_TEST(p == frame_);
    free_ = true;
  }
  std::size_t max_frame_length() const noexcept override {
    return frame_->pool->max_frame_length();
  }
  bool frame_free() const noexcept { return free_; }

 protected:
  std::size_t do_receive(std::span<io::Packet*>) noexcept override { return 0; }
  std::size_t do_transmit(std::span<io::Packet* const>) noexcept override { return 0; }

 private:
  io::Packet* frame_;
  bool free_ = true;
};

struct Case {
  Family family;
  icmp::ErrorType type;
  std::uint32_t rest;
  Bytes about;
  std::size_t header_length;
};

std::vector<Case> sender_cases() {
  std::vector<Case> cases;
  const net::Address s4 = ip("10.1.0.5"), d4 = ip("10.2.0.9");
  const net::Address s6 = ip("2001:db8:1::5"), d6 = ip("2001:db8:2::9");
  IpOptions df;
  df.dont_fragment = true;
  IpOptions with_options = df;
  with_options.ipv4_options = Bytes(12, 1);  // no-operation: a 32-byte header
  const icmp::ErrorType unreachable4{3, 1}, unreachable6{1, 0};
  for (const std::size_t total :
       std::initializer_list<std::size_t>{28, 48, 49, 64, 100, 200, 576, 1000, 1500, 9000}) {
    const Bytes a = offender(s4, d4, total, df);
    cases.push_back({Family::kIpv4, icmp::kFragmentationNeeded4, 1400, a, 20});
    cases.push_back({Family::kIpv4, icmp::kTimeExceeded4, 0, a, 20});
    cases.push_back({Family::kIpv4, unreachable4, 0, a, 20});
    if (total >= 40)
      cases.push_back(
          {Family::kIpv4, icmp::kTimeExceeded4, 0, offender(s4, d4, total, with_options), 32});
  }
  for (const std::size_t total :
       std::initializer_list<std::size_t>{48, 49, 62, 100, 200, 1232, 1280, 1500, 9000}) {
    const Bytes a = offender(s6, d6, total);
    cases.push_back({Family::kIpv6, icmp::kPacketTooBig6, 1280, a, 40});
    cases.push_back({Family::kIpv6, icmp::kTimeExceeded6, 0, a, 40});
    cases.push_back({Family::kIpv6, unreachable6, 0, a, 40});
  }
  return cases;
}

// Descriptor fields the pool sets once; an overrun of the previous frame
// would change them.
void check_descriptors(io::FramePool& pool) {
  for (std::size_t i = 0; i < pool.count(); ++i) {
    const auto* p = reinterpret_cast<const io::Packet*>(pool.memory() + i * pool.frame_size());
    BOOST_TEST_CONTEXT("frame " << i) {
      BOOST_TEST(p->index == i);
      BOOST_TEST(p->pool == &pool);
      BOOST_TEST((p->end == reinterpret_cast<const std::uint8_t*>(p) + pool.frame_size()));
      BOOST_TEST(p->address == i * pool.frame_size());
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_smallest_frame_the_pool_allows) {
  BOOST_TEST(!static_cast<bool>(io::FramePool::create(kSmallestFrame - 64, 4)));
  auto pool = io::FramePool::create(kSmallestFrame, 4);
  BOOST_TEST_REQUIRE(static_cast<bool>(pool));
  BOOST_TEST((*pool)->max_frame_length() == 64u);
}

BOOST_AUTO_TEST_CASE(sender_errors_fit_their_frame_and_nothing_outside_it_is_written) {
  const auto cases = sender_cases();
  for (const std::size_t frame_size : kFrameSizes) {
    // 16 frames, the sender's is frame 1: an overrun of up to a 1294-byte
    // error stays inside the mapping.
    auto created = io::FramePool::create(frame_size, kFrames);
    BOOST_TEST_REQUIRE(static_cast<bool>(created));
    io::FramePool& pool = **created;
    // All frames taken from the pool; the sender gets frame 1.
    std::vector<io::Packet*> frames;
    while (io::Packet* p = pool.allocate())
      frames.push_back(p);
    BOOST_TEST_REQUIRE(frames.size() == kFrames);
    io::Packet* target = reinterpret_cast<io::Packet*>(pool.memory() + frame_size);
    const std::size_t room = pool.max_frame_length() - net::kEthernetHeaderSize;
    auto link = std::make_unique<io::Link>();
    io::Link& out = *link;
    for (const Case& c : cases) {
      BOOST_TEST_CONTEXT("frame size " << frame_size << ", " << family_name(c.family) << " type "
                                       << int(c.type.type) << ", offender " << c.about.size()
                                       << " bytes, header " << c.header_length) {
        // Canary in every frame's buffer (headroom included).
        for (io::Packet* p : frames)
          std::memset(p->buffer_start(), kCanary,
                      static_cast<std::size_t>(p->end - p->buffer_start()));
        const std::vector<std::uint8_t> before(pool.memory(),
                                               pool.memory() + frame_size * pool.count());
        base::ManualClock clock;
        const net::Address source = ip(is_ipv4(c.family) ? "10.1.0.1" : "2001:db8:1::1");
        router::IcmpErrorSender sender(source, clock);
        OneFramePort port(target);
        out.clear();
        sender.send(c.about.data(), c.about.size(), c.type, c.rest, port, out);
        const auto quote = expected_quote(c.family, c.about.size(), c.header_length, room);
        if (quote) {
          BOOST_TEST_REQUIRE(out.size() == 1u);
          io::Packet* e = out.packets()[0];
          BOOST_TEST(e == target);
          BOOST_TEST(e->length <= pool.max_frame_length());
          BOOST_TEST((e->data + e->length <= e->end));
          // The Ethernet header is the next hop's to fill: the IP packet.
          const auto capacity = static_cast<std::size_t>(e->end - e->data);
          const Bytes packet(e->data + net::kEthernetHeaderSize,
                             e->data + std::min<std::size_t>(e->length, capacity));
          check_error_ip(parse_ip(packet), packet.size(), c.family, source, c.about, c.type, c.rest,
                         *quote);
          BOOST_TEST(port.counters().txdrop == 0u);
        } else {
          BOOST_TEST(out.size() == 0u);
          BOOST_TEST(port.frame_free());
          BOOST_TEST(port.counters().txdrop == 1u);
        }
        // Nothing outside the target frame changed, nor its headroom.
        const std::uint8_t* memory = pool.memory();
        std::size_t changed = 0;
        for (std::size_t i = 0; i < before.size(); ++i) {
          const bool in_target = i >= frame_size && i < 2 * frame_size;
          if (!in_target && memory[i] != before[i]) ++changed;
        }
        BOOST_TEST(changed == 0u);
        const std::size_t headroom_changed = static_cast<std::size_t>(
            std::count_if(target->buffer_start(), target->buffer_start() + io::kDefaultHeadroom,
                          [](std::uint8_t b) { return b != kCanary; }));
        BOOST_TEST(headroom_changed == 0u);
        // Restore the descriptors an overrun would have hit, for the next case.
        std::memcpy(pool.memory(), before.data(), frame_size);
        std::memcpy(pool.memory() + 2 * frame_size, before.data() + 2 * frame_size,
                    frame_size * (kFrames - 2));
      }
    }
    check_descriptors(pool);
    for (io::Packet* p : frames)
      pool.release(p);
  }
}

// The same through a whole worker whose pool has small frames: Time
// Exceeded and Fragmentation Needed / Packet Too Big about LAN packets,
// nothing about unroutable ones, and Time Exceeded about decapsulated
// packets (sent back through the tunnel).
BOOST_AUTO_TEST_CASE(worker_errors_fit_small_frames) {
  for (const Family f : kFamilies) {
    for (const std::size_t frame_size : kFrameSizes) {
      BOOST_TEST_CONTEXT(family_name(f) << ", frame size " << frame_size) {
        const Site p = paris(f), t = tokyo(f);
        const std::size_t header = is_ipv4(f) ? 20 : 40;
        SiteOptions so;
        so.mtu = static_cast<std::uint16_t>(header + 8);  // larger packets are too big
        HarnessOptions ho;
        ho.frame_size = frame_size;
        ho.frame_count = 64;
        GatewayHarness h(site_config(p, t, so), ho);
        const std::size_t max_frame = h.pool().max_frame_length();
        const std::size_t room = max_frame - net::kEthernetHeaderSize;
        std::vector<std::size_t> sizes;
        for (const std::size_t s : {header + 8, header + 9, header + 20, room / 2, room - 1, room,
                                    std::size_t{1500}, std::size_t{9000}})
          if (s >= header + 8 && s <= room && s <= 9000) sizes.push_back(s);
        std::sort(sizes.begin(), sizes.end());
        sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
        IpOptions expiring;
        expiring.ttl = 1;
        expiring.dont_fragment = true;
        IpOptions df;
        df.dont_fragment = true;
        std::uint64_t drops = 0;
        for (const std::size_t size : sizes) {
          BOOST_TEST_CONTEXT("offender " << size << " bytes") {
            // Within the MTU with TTL 1: Time Exceeded; over it: too big.
            const Bytes a = offender(p.host_ip, t.host_ip, size, size > so.mtu ? df : expiring);
            h.send_private(lan_frame(p, a));
            // No route: dropped without an error.
            h.send_private(lan_frame(
                p, offender(p.host_ip, ip(is_ipv4(f) ? "198.51.100.7" : "2001:db8:777::7"), size,
                            expiring)));
            h.run();
            const auto sent = h.take_private();
            BOOST_TEST(h.take_public().empty());
            const auto quote = expected_quote(f, size, header, room);
            if (!quote) {
              ++drops;
              BOOST_TEST(sent.empty());
            } else {
              BOOST_TEST_REQUIRE(sent.size() == 1u);
              BOOST_TEST(sent[0].size() <= max_frame);
              const bool big = size > so.mtu;
              const icmp::ErrorType type =
                  big ? (is_ipv4(f) ? icmp::kFragmentationNeeded4 : icmp::kPacketTooBig6)
                      : (is_ipv4(f) ? icmp::kTimeExceeded4 : icmp::kTimeExceeded6);
              check_error(sent[0], f, p.private_ip, a, type, big ? so.mtu : 0u, *quote);
            }
            check_descriptors(h.pool());
            BOOST_TEST(h.pool().available() == h.pool().count());
          }
        }
        BOOST_TEST(h.private_port().counters().txdrop == drops);
        BOOST_TEST(h.worker().private_router().route_errors == sizes.size());

        // Decapsulated packets with TTL 1, when their ESP fits the frame.
        GatewayHarness in(site_config(p, t), ho);
        EspPeer peer(t.outbound, p.outbound);
        std::uint64_t inbound_drops = 0;
        for (const std::size_t size :
             {header + 8, header + 40, std::size_t{600}, std::size_t{1400}}) {
          const Bytes a = offender(t.host_ip, p.host_ip, size, expiring);
          const Bytes frame = tunnel_frame(p, t, peer.seal(a));
          if (frame.size() > max_frame) continue;
          BOOST_TEST_CONTEXT("inbound offender " << size << " bytes") {
            in.send_public(frame);
            in.run();
            BOOST_TEST(in.take_private().empty());
            const auto quote = expected_quote(f, size, header, room);
            const auto sent = in.take_public();
            if (!quote) ++inbound_drops;
            // The error goes back through the tunnel when it still fits
            // the frame once encapsulated (into the headroom: the frame
            // may then exceed max_frame_length, not the frame's buffer).
            BOOST_TEST(sent.size() <= (quote ? 1u : 0u));
            if (frame_size >= 2048) BOOST_TEST(sent.size() == 1u);
            for (const Bytes& s : sent) {
              BOOST_TEST(s.size() <= frame_size - sizeof(io::Packet));
              const auto opened = peer.open_frame(s);
              BOOST_TEST_REQUIRE(opened.has_value());
              BOOST_TEST_REQUIRE(opened->status == esp::DecryptStatus::kOk);
              check_error_ip(parse_ip(opened->inner), opened->inner.size(), f, p.private_ip, a,
                             is_ipv4(f) ? icmp::kTimeExceeded4 : icmp::kTimeExceeded6, 0, *quote);
            }
            check_descriptors(in.pool());
            BOOST_TEST(in.pool().available() == in.pool().count());
          }
        }
        BOOST_TEST(in.private_port().counters().txdrop == inbound_drops);
      }
    }
  }
}
