#include "testing/sample_sites.hpp"

#include <algorithm>
#include <stdexcept>

#include "base/hex.hpp"
#include "testing/esp_peer.hpp"
#include "testing/frame_builder.hpp"

namespace strait::testing {

namespace {

esp::SaParameters sa(std::uint32_t spi, std::uint8_t key_seed, std::uint8_t salt_seed) {
  esp::SaParameters p;
  p.spi = spi;
  for (std::size_t i = 0; i < p.key.size(); ++i)
    p.key[i] = static_cast<std::uint8_t>(key_seed + 11 * i);
  for (std::size_t i = 0; i < p.salt.size(); ++i)
    p.salt[i] = static_cast<std::uint8_t>(salt_seed + i);
  return p;
}

net::Prefix prefix(const char* text) {
  const auto p = net::Prefix::parse(text);
  if (!p) throw std::invalid_argument(text);
  return *p;
}

// The addresses of a sample site: {IPv4, IPv6} text of each.
struct SitePlan {
  const char* name;
  const char* private_net[2];
  const char* private_ip[2];
  const char* private_mac;
  const char* private_nexthop_ip[2];
  const char* private_nexthop_mac;
  const char* host_ip[2];
  const char* public_ip[2];
  const char* public_mac;
  const char* public_nexthop_ip[2];
  const char* public_nexthop_mac;
  const char* public_ip2[2];
  const char* public_mac2;
};

constexpr SitePlan kParis = {.name = "paris",
                             .private_net = {"10.1.0.0/16", "2001:db8:1::/48"},
                             .private_ip = {"10.1.0.1", "2001:db8:1::1"},
                             .private_mac = "02:00:00:01:00:01",
                             .private_nexthop_ip = {"10.1.0.2", "2001:db8:1::2"},
                             .private_nexthop_mac = "02:00:00:01:00:02",
                             .host_ip = {"10.1.7.9", "2001:db8:1:7::9"},
                             .public_ip = {"192.0.2.1", "2001:db8:100::1"},
                             .public_mac = "02:00:00:01:01:01",
                             .public_nexthop_ip = {"192.0.2.254", "2001:db8:100::fe"},
                             .public_nexthop_mac = "02:00:00:01:01:fe",
                             .public_ip2 = {"192.0.2.2", "2001:db8:100::2"},
                             .public_mac2 = "02:00:00:01:02:01"};

constexpr SitePlan kTokyo = {.name = "tokyo",
                             .private_net = {"10.2.0.0/16", "2001:db8:2::/48"},
                             .private_ip = {"10.2.0.1", "2001:db8:2::1"},
                             .private_mac = "02:00:00:02:00:01",
                             .private_nexthop_ip = {"10.2.0.2", "2001:db8:2::2"},
                             .private_nexthop_mac = "02:00:00:02:00:02",
                             .host_ip = {"10.2.5.3", "2001:db8:2:5::3"},
                             .public_ip = {"198.51.100.1", "2001:db8:200::1"},
                             .public_mac = "02:00:00:02:01:01",
                             .public_nexthop_ip = {"198.51.100.254", "2001:db8:200::fe"},
                             .public_nexthop_mac = "02:00:00:02:01:fe",
                             .public_ip2 = {"198.51.100.2", "2001:db8:200::2"},
                             .public_mac2 = "02:00:00:02:02:01"};

Site site_of(const SitePlan& plan, net::Family family, net::Family public_family,
             const esp::SaParameters& outbound) {
  const std::size_t f = is_ipv4(family) ? 0 : 1;
  const std::size_t pf = is_ipv4(public_family) ? 0 : 1;
  Site s;
  s.name = plan.name;
  s.family = family;
  s.private_net = prefix(plan.private_net[f]);
  s.private_ip = ip(plan.private_ip[f]);
  s.private_mac = mac(plan.private_mac);
  s.private_nexthop_ip = ip(plan.private_nexthop_ip[f]);
  s.private_nexthop_mac = mac(plan.private_nexthop_mac);
  s.host_ip = ip(plan.host_ip[f]);
  s.public_ip = ip(plan.public_ip[pf]);
  s.public_mac = mac(plan.public_mac);
  s.public_nexthop_ip = ip(plan.public_nexthop_ip[pf]);
  s.public_nexthop_mac = mac(plan.public_nexthop_mac);
  s.public_ip2 = ip(plan.public_ip2[pf]);
  s.public_mac2 = mac(plan.public_mac2);
  s.outbound = outbound;
  return s;
}

}  // namespace

const char* family_name(net::Family family) {
  return is_ipv4(family) ? "IPv4" : "IPv6";
}

bool is_ipv4(net::Family family) {
  return family == net::Family::kIpv4;
}

Site paris(net::Family family) {
  return paris(family, family);
}

Site tokyo(net::Family family) {
  return tokyo(family, family);
}

Site paris(net::Family family, net::Family public_family) {
  return site_of(kParis, family, public_family, sa(1001, 0x10, 0xa0));
}

Site tokyo(net::Family family, net::Family public_family) {
  return site_of(kTokyo, family, public_family, sa(2001, 0x50, 0xc0));
}

std::string sa_entry(const char* kind, const std::string& route, const esp::SaParameters& p,
                     std::uint16_t queue) {
  return std::string(kind) + " { route " + route + "; spi " + std::to_string(p.spi) +
         "; aead aes-gcm-16-icv; key \"" + base::encode_hex(p.key) + "\"; salt \"" +
         base::encode_hex(p.salt) + "\"; queue " + std::to_string(queue) + "; }\n";
}

SiteOptions key_exchange_options() {
  SiteOptions o;
  o.data_plane = false;
  return o;
}

std::string site_config(const Site& self, const Site& peer, const SiteOptions& o) {
  const std::string f = self.family == net::Family::kIpv4 ? "4" : "6";
  // The public interfaces' family (another one: the dual-stack extension).
  const std::string pf = self.public_ip.family == net::Family::kIpv4 ? "4" : "6";
  std::string t;
  t += "private-interface" + f + " {\n  ifname lan0;\n  ip " + self.private_ip.to_string() +
       ";\n  mac " + self.private_mac.to_string() + ";\n  nexthop-ip " +
       self.private_nexthop_ip.to_string() + ";\n";
  if (o.static_private_nexthop)
    t += "  nexthop-mac " + self.private_nexthop_mac.to_string() + ";\n";
  t += "}\n";
  const auto public_interface = [&](const net::Address& address, const net::Mac& own_mac,
                                    std::uint16_t queue, const std::optional<net::Address>& nat) {
    t += "public-interface" + pf + " {\n  ifname wan" + std::to_string(queue - 1) + ";\n  ip " +
         address.to_string() + ";\n  mac " + own_mac.to_string() + ";\n  nexthop-ip " +
         self.public_nexthop_ip.to_string() + ";\n";
    if (o.static_public_nexthop)
      t += "  nexthop-mac " + self.public_nexthop_mac.to_string() + ";\n";
    if (queue != 1) t += "  queue " + std::to_string(queue) + ";\n";
    if (nat) t += "  nat-ip " + nat->to_string() + ";\n";
    t += "}\n";
  };
  public_interface(self.public_ip, self.public_mac, 1, o.nat_ip);
  if (o.queues >= 2) public_interface(self.public_ip2, self.public_mac2, 2, std::nullopt);
  t += "route" + f + " {\n  id " + peer.name + ";\n  gateway { ip " +
       (o.peer_gateway ? *o.peer_gateway : peer.public_ip).to_string() + "; }\n";
  if (o.queues >= 2) t += "  gateway { ip " + peer.public_ip2.to_string() + "; queue 2; }\n";
  t += "  net \"" + peer.private_net.to_string() + "\";\n  preshared-key \"" + o.preshared_key +
       "\";\n  spi " + std::to_string(o.route_spi) + ";\n";
  if (o.udp_encapsulation) t += "  udp-encapsulation true;\n";
  t += "}\n";
  t += "mtu " + std::to_string(o.mtu) + ";\n";
  t += std::string("tfc ") + (o.tfc ? "true" : "false") + ";\n";
  t += "protocol-port " + std::to_string(o.protocol_port) + ";\n";
  if (o.negotiation_ttl != 0) t += "negotiation-ttl " + std::to_string(o.negotiation_ttl) + ";\n";
  if (o.sa_ttl != 0) t += "sa-ttl " + std::to_string(o.sa_ttl) + ";\n";
  t += std::string("data-plane ") + (o.data_plane ? "true" : "false") + ";\n";
  if (o.data_plane) {
    for (std::uint16_t queue = 1; queue <= std::max<std::uint16_t>(o.queues, 1); ++queue) {
      t += sa_entry("outbound-sa", peer.name, self.outbound, queue);
      t += sa_entry("inbound-sa", peer.name, peer.outbound, queue);
    }
  }
  t += o.extra;
  return t;
}

Bytes lan_frame(const Site& site, const Bytes& packet) {
  return ip_frame(site.private_mac, site.private_nexthop_mac, packet);
}

Bytes to_lan_frame(const Site& site, const Bytes& packet) {
  return ip_frame(site.private_nexthop_mac, site.private_mac, packet);
}

Bytes wan_frame(const Site& site, const Bytes& packet) {
  return ip_frame(site.public_mac, site.public_nexthop_mac, packet);
}

Bytes tunnel_frame(const Site& self, const Site& peer, const Bytes& esp_payload,
                   const IpOptions& options) {
  return esp_frame(self.public_mac, self.public_nexthop_mac, peer.public_ip, self.public_ip,
                   esp_payload, options);
}

Bytes key_exchange_frame(const Site& to, const net::Address& destination,
                         const net::Address& source, const Bytes& payload, std::uint16_t port) {
  const net::Mac& own = destination == to.public_ip2 ? to.public_mac2 : to.public_mac;
  return ip_frame(own, to.public_nexthop_mac, udp_packet(source, destination, port, port, payload));
}

Bytes host_datagram(const Site& from, const Site& to, std::size_t size, std::uint8_t seed,
                    std::uint8_t ttl) {
  IpOptions o;
  o.ttl = ttl;
  return udp_packet(from.host_ip, to.host_ip, 4000, 5000, pattern(size, seed), o);
}

}  // namespace strait::testing
