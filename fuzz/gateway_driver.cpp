#include "gateway_driver.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include "config/load.hpp"
#include "fuzz_check.hpp"
#include "net/checksum.hpp"
#include "net/headers.hpp"
#include "persistent.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_builder.hpp"
#include "testing/frame_view.hpp"

namespace strait::fuzz {

namespace {

using testing::Site;
using testing::SiteOptions;

Variant make_variant(std::size_t index) {
  const net::Family family = index % 2 == 0 ? net::Family::kIpv4 : net::Family::kIpv6;
  Variant v;
  v.self = testing::paris(family);
  v.peer = testing::tokyo(family);
  switch (index) {
    case 0:
    case 1:
      v.options = SiteOptions{};
      break;
    case 2:
    case 3:
      v.options = testing::key_exchange_options();
      v.options.static_public_nexthop = false;
      break;
    default:
      v.options = SiteOptions{};
      v.options.tfc = true;
      v.options.static_private_nexthop = false;
      break;
  }
  auto config = config::load(testing::site_config(v.self, v.peer, v.options), "fuzz.conf");
  if (!config) fail("a fuzz gateway's configuration does not load: " + config.error().message);
  v.config = std::move(config).value();
  v.static_sas = v.options.data_plane;
  v.static_private_nexthop = v.options.static_private_nexthop;
  return v;
}

// The ESP peer of each variant: seals with the gateway's inbound SA.
testing::EspPeer& esp_peer(const Variant& v) {
  static std::array<std::unique_ptr<testing::EspPeer>, 2> peers;
  auto& p = peers[v.self.family == net::Family::kIpv4 ? 0 : 1];
  if (!p) p = std::make_unique<testing::EspPeer>(v.peer.outbound, v.self.outbound);
  return *p;
}

Bytes bytes_of(std::span<const std::uint8_t> s) {
  return Bytes(s.begin(), s.end());
}

std::uint16_t l4_sum(const Bytes& p, bool v6, std::size_t offset, std::size_t end,
                     std::uint8_t protocol) {
  std::uint32_t sum = 0;
  const auto length = static_cast<std::uint32_t>(end - offset);
  if (v6)
    sum = net::pseudo_header_ipv6(p.data() + 8, p.data() + 24, protocol, length);
  else if (protocol == net::kProtocolUdp)
    sum = net::pseudo_header_ipv4(p.data() + 12, p.data() + 16, protocol,
                                  static_cast<std::uint16_t>(length));
  sum = net::checksum_partial(p.data() + offset, length, sum);
  return net::checksum_finish(sum);
}

}  // namespace

const Variant& variant(std::uint8_t selector) {
  static const std::array<Variant, kVariants> variants = [] {
    std::array<Variant, kVariants> a;
    for (std::size_t i = 0; i < kVariants; ++i)
      a[i] = make_variant(i);
    return a;
  }();
  return variants[selector % kVariants];
}

void fix_checksums(Bytes& p, bool fix_lengths) {
  if (p.empty()) return;
  const int version = p[0] >> 4;
  std::size_t offset = 0;
  std::size_t end = 0;
  std::uint8_t protocol = 0;
  bool v6 = false;
  if (version == 4 && p.size() >= net::kIpv4HeaderSize) {
    const std::size_t header = std::size_t{p[0] & 0x0fu} * 4;
    if (header < net::kIpv4HeaderSize || header > p.size()) return;
    if (fix_lengths && p.size() <= 0xffff)
      net::store16(p.data() + 2, static_cast<std::uint16_t>(p.size()));
    end = std::min<std::size_t>(net::load16(p.data() + 2), p.size());
    net::store16(p.data() + 10, 0);
    net::store16(p.data() + 10, net::checksum(p.data(), header));
    if ((net::load16(p.data() + 6) & 0x3fff) != 0) return;  // a fragment
    offset = header;
    protocol = p[9];
  } else if (version == 6 && p.size() >= net::kIpv6HeaderSize) {
    if (fix_lengths && p.size() - net::kIpv6HeaderSize <= 0xffff)
      net::store16(p.data() + 4, static_cast<std::uint16_t>(p.size() - net::kIpv6HeaderSize));
    end = std::min<std::size_t>(net::kIpv6HeaderSize + net::load16(p.data() + 4), p.size());
    offset = net::kIpv6HeaderSize;
    protocol = p[6];
    v6 = true;
  } else {
    return;
  }
  if (end < offset) return;
  if (protocol == net::kProtocolUdp && end - offset >= net::kUdpHeaderSize) {
    if (fix_lengths) net::store16(p.data() + offset + 4, static_cast<std::uint16_t>(end - offset));
    net::store16(p.data() + offset + 6, 0);
    std::uint16_t sum = l4_sum(p, v6, offset, end, protocol);
    if (sum == 0) sum = 0xffff;
    net::store16(p.data() + offset + 6, sum);
  } else if ((protocol == net::kProtocolIcmp && !v6) || (protocol == net::kProtocolIcmp6 && v6)) {
    if (end - offset < 4) return;
    net::store16(p.data() + offset + 2, 0);
    net::store16(p.data() + offset + 2, l4_sum(p, v6, offset, end, protocol));
  }
}

GatewayDriver::GatewayDriver(std::uint8_t selector)
    : variant_(fuzz::variant(selector)), gateway_(variant_.config, 1) {}

GatewayDriver::~GatewayDriver() = default;

Bytes GatewayDriver::frame(Side side, const Record& r) {
  const Site& self = variant_.self;
  const Site& peer = variant_.peer;
  const bool pub = side == Side::kPublic;
  const net::Mac& own_mac = pub ? self.public_mac : self.private_mac;
  const net::Mac& neighbor_mac = pub ? self.public_nexthop_mac : self.private_nexthop_mac;
  const auto ip_frame = [&](Bytes packet) {
    return testing::ip_frame(own_mac, neighbor_mac, packet);
  };
  switch (r.op & kKindMask) {
    case kRaw:
      return bytes_of(r.payload);
    case kIp: {
      Bytes packet = bytes_of(r.payload);
      if (!(r.op & kKeep)) fix_checksums(packet, (r.op & kFix) != 0);
      return testing::ethernet_frame(
          own_mac, neighbor_mac,
          !packet.empty() && (packet[0] >> 4) == 6 ? net::kEthertypeIpv6 : net::kEthertypeIpv4,
          packet);
    }
    case kEsp: {
      if (!pub) return bytes_of(r.payload);
      auto& esp = esp_peer(variant_);
      Bytes sealed;
      if (r.op & kFix) {
        sealed = esp.seal_plaintext(read_be(r.payload, 0, 8), bytes_of(tail(r.payload, 8)));
      } else {
        Bytes inner = bytes_of(tail(r.payload, 9));
        if (!(r.op & kKeep)) fix_checksums(inner, false);
        const auto next_header = static_cast<std::uint8_t>(read_be(r.payload, 0, 1));
        sealed = esp.seal_at(read_be(r.payload, 1, 8), inner, next_header);
      }
      if ((r.op & kCorrupt) && !sealed.empty()) sealed.back() ^= 0x01;
      return testing::tunnel_frame(self, peer, sealed);
    }
    case kUdp:
      if (pub)
        return testing::key_exchange_frame(self, self.public_ip, peer.public_ip,
                                           bytes_of(r.payload), variant_.options.protocol_port);
      return ip_frame(
          testing::udp_packet(self.host_ip, peer.host_ip, 4000, 5000, bytes_of(r.payload)));
    case kIcmp: {
      const net::Address& source = pub ? peer.public_ip : self.host_ip;
      net::Address destination = pub ? self.public_ip : self.private_ip;
      net::Mac destination_mac = own_mac;
      if (r.op & kFix) {
        if (self.family == net::Family::kIpv6) {
          destination = testing::solicited_node(destination);
          destination_mac = testing::multicast_mac(destination);
        } else if (!pub) {
          destination = peer.host_ip;
        }
      }
      testing::IpOptions options;
      options.ttl = 255;
      const Bytes packet = testing::icmp_packet(
          source, destination, static_cast<std::uint8_t>(read_be(r.payload, 0, 1)),
          static_cast<std::uint8_t>(read_be(r.payload, 1, 1)),
          static_cast<std::uint32_t>(read_be(r.payload, 2, 4)), bytes_of(tail(r.payload, 6)),
          options, (r.op & kKeep) != 0);
      return testing::ip_frame(destination_mac, neighbor_mac, packet);
    }
    case kArp: {
      const net::Mac destination =
          (r.op & kFix) ? own_mac : net::Mac{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
      return testing::ethernet_frame(destination, neighbor_mac, net::kEthertypeArp,
                                     bytes_of(r.payload));
    }
    default:
      return {};
  }
}

bool GatewayDriver::apply(Side side, const Record& r) {
  if ((r.op & kKindMask) == kClock) {
    const std::uint64_t ms = read_be(r.payload, 0, 2) * (1 + read_be(r.payload, 2, 1));
    settle(static_cast<base::Nanoseconds>(ms) * base::kMillisecond);
    return false;
  }
  Bytes f = frame(side, r);
  if (f.empty()) return false;
  const auto send = [&] {
    return side == Side::kPublic ? gateway_.send_public(f) : gateway_.send_private(f);
  };
  // A batch of held frames that fills the wire (or the pool) goes in as it
  // can: the gateway takes what is queued first.
  if (!send()) {
    gateway_.run();
    if (!send()) return false;
  }
  if (!(r.op & kHold)) gateway_.run();
  return true;
}

void GatewayDriver::settle(base::Nanoseconds by) {
  gateway_.run();
  gateway_.clock().advance(by);
  gateway_.worker().run_due_timers();
  gateway_.run();
}

std::vector<Bytes> GatewayDriver::take(Side side) {
  return side == Side::kPublic ? gateway_.take_public() : gateway_.take_private();
}

void check_transmitted(const std::vector<Bytes>& frames, std::string_view side) {
  for (const Bytes& f : frames) {
    const auto ip = testing::parse_ip_frame(f);
    if (ip && ip->family == net::Family::kIpv4 && !ip->header_checksum_ok)
      fail(std::string("the gateway sent an IPv4 header with a bad checksum on the ") +
           std::string(side) + " side");
  }
}

GatewayDriver& driver_for_input(const std::uint8_t* data, std::size_t size) {
  static Persistent<GatewayDriver> gateways;
  GatewayDriver& driver =
      gateways.get(data, size, [&] { return std::make_unique<GatewayDriver>(data[0]); });
  driver.take(Side::kPrivate);
  driver.take(Side::kPublic);
  return driver;
}

}  // namespace strait::fuzz
