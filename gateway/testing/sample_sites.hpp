#pragma once
// Two sample sites, paris and tokyo, in either address family, the
// configuration text of a gateway of one site tunnelling to the other, and
// the frames that reach or leave a site's gateway. Their data-plane SAs are
// mirrored: paris's outbound SA is tokyo's inbound SA and vice versa, so two
// harnesses wired public to public talk.

#include <cstdint>
#include <optional>
#include <string>

#include "esp/security_association.hpp"
#include "net/address.hpp"
#include "testing/frame_builder.hpp"

namespace strait::testing {

// Both address families, for tests that run once per family.
inline constexpr net::Family kFamilies[] = {net::Family::kIpv4, net::Family::kIpv6};
// "IPv4" / "IPv6", for test contexts.
const char* family_name(net::Family family);
bool is_ipv4(net::Family family);

struct Site {
  std::string name;
  net::Family family = net::Family::kIpv4;  // the private network's; public_ip's may differ
  net::Prefix private_net;                  // the site's LAN, routed through the tunnel by the peer
  net::Address private_ip;                  // the gateway on the LAN
  net::Mac private_mac;
  net::Address private_nexthop_ip;  // the LAN router
  net::Mac private_nexthop_mac;
  net::Address host_ip;  // a host on the LAN (beyond the LAN router)
  net::Address public_ip;
  net::Mac public_mac;
  net::Address public_nexthop_ip;
  net::Mac public_nexthop_mac;
  // The public interface of queue 2 (SiteOptions::queues = 2); same next hop.
  net::Address public_ip2;
  net::Mac public_mac2;
  esp::SaParameters outbound;  // what this site's gateway encrypts with
};

Site paris(net::Family family);
Site tokyo(net::Family family);
// Dual-stack: the private network (and hosts, routes) of `family`, the
// public interfaces (and their next hop) of `public_family`.
Site paris(net::Family family, net::Family public_family);
Site tokyo(net::Family family, net::Family public_family);

// The two dual-stack mixes of a private (inner) and a public (outer) family.
struct FamilyMix {
  net::Family inner;
  net::Family outer;
  const char* name;
};
inline constexpr FamilyMix kFamilyMixes[] = {
    {net::Family::kIpv4, net::Family::kIpv6, "IPv4 over IPv6"},
    {net::Family::kIpv6, net::Family::kIpv4, "IPv6 over IPv4"}};

// The route's pre-shared key (hex) and route SPI unless SiteOptions say otherwise.
inline constexpr const char* kSamplePresharedKey =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
inline constexpr std::uint32_t kSampleRouteSpi = 1234;

struct SiteOptions {
  std::uint16_t mtu = 1440;
  bool tfc = false;
  bool data_plane = true;
  bool static_private_nexthop = true;  // nexthop-mac given
  bool static_public_nexthop = true;
  std::uint16_t protocol_port = 303;
  std::string extra;  // appended verbatim (more routes, SAs)

  // Key exchange (data_plane = false).
  std::uint16_t queues = 1;            // 2: a second public interface (public_ip2, queue 2), and
                                       // the route's gateway for queue 2 is peer.public_ip2
  std::optional<net::Address> nat_ip;  // nat-ip of the queue 1 interface
  std::optional<net::Address> peer_gateway;  // the route's queue 1 gateway (default peer.public_ip)
  std::string preshared_key = kSamplePresharedKey;
  std::uint32_t route_spi = kSampleRouteSpi;
  std::uint32_t negotiation_ttl = 0;  // seconds; 0: not written (default 5)
  std::uint32_t sa_ttl = 0;           // seconds; 0: not written (default 600)
  bool udp_encapsulation = false;     // NAT traversal: the route's udp-encapsulation
};

// SiteOptions of a gateway that negotiates its SAs (data_plane = false).
SiteOptions key_exchange_options();

// The configuration of `self`'s gateway with one route ("<peer.name>") to
// the peer's LAN through the peer's public address; SAs (data-plane) are
// self.outbound out and peer.outbound in.
std::string site_config(const Site& self, const Site& peer, const SiteOptions& options = {});

// Configuration text of one SA entry ("outbound-sa" / "inbound-sa").
std::string sa_entry(const char* kind, const std::string& route, const esp::SaParameters& sa,
                     std::uint16_t queue = 1);

// Frames at a site's gateway. From the LAN router to the gateway, and from
// the gateway to the LAN router; from the public next hop to the gateway.
Bytes lan_frame(const Site& site, const Bytes& packet);
Bytes to_lan_frame(const Site& site, const Bytes& packet);
Bytes wan_frame(const Site& site, const Bytes& packet);
// ESP from `peer`'s public address to `self`'s, as it reaches `self`'s
// public port.
Bytes tunnel_frame(const Site& self, const Site& peer, const Bytes& esp_payload,
                   const IpOptions& options = {});
// A key-exchange datagram (or any UDP payload) from `source` to a site's
// queue address, framed as it arrives on that site's public port: Ethernet
// from the site's public next hop, IP TTL 64, UDP `port` -> `port` with a
// valid checksum.
Bytes key_exchange_frame(const Site& to, const net::Address& destination,
                         const net::Address& source, const Bytes& payload,
                         std::uint16_t port = 303);
// A UDP datagram (4000 -> 5000) from one site's LAN host to the other's.
Bytes host_datagram(const Site& from, const Site& to, std::size_t size, std::uint8_t seed = 0,
                    std::uint8_t ttl = 64);

}  // namespace strait::testing
