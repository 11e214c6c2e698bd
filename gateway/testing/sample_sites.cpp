#include "testing/sample_sites.hpp"

#include <algorithm>
#include <stdexcept>

#include "base/hex.hpp"
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

}  // namespace

Site paris(net::Family family) {
  Site s;
  s.name = "paris";
  s.family = family;
  const bool v4 = family == net::Family::kIpv4;
  s.private_net = prefix(v4 ? "10.1.0.0/16" : "2001:db8:1::/48");
  s.private_ip = ip(v4 ? "10.1.0.1" : "2001:db8:1::1");
  s.private_mac = mac("02:00:00:01:00:01");
  s.private_nexthop_ip = ip(v4 ? "10.1.0.2" : "2001:db8:1::2");
  s.private_nexthop_mac = mac("02:00:00:01:00:02");
  s.host_ip = ip(v4 ? "10.1.7.9" : "2001:db8:1:7::9");
  s.public_ip = ip(v4 ? "192.0.2.1" : "2001:db8:100::1");
  s.public_mac = mac("02:00:00:01:01:01");
  s.public_nexthop_ip = ip(v4 ? "192.0.2.254" : "2001:db8:100::fe");
  s.public_nexthop_mac = mac("02:00:00:01:01:fe");
  s.public_ip2 = ip(v4 ? "192.0.2.2" : "2001:db8:100::2");
  s.public_mac2 = mac("02:00:00:01:02:01");
  s.outbound = sa(1001, 0x10, 0xa0);
  return s;
}

Site tokyo(net::Family family) {
  Site s;
  s.name = "tokyo";
  s.family = family;
  const bool v4 = family == net::Family::kIpv4;
  s.private_net = prefix(v4 ? "10.2.0.0/16" : "2001:db8:2::/48");
  s.private_ip = ip(v4 ? "10.2.0.1" : "2001:db8:2::1");
  s.private_mac = mac("02:00:00:02:00:01");
  s.private_nexthop_ip = ip(v4 ? "10.2.0.2" : "2001:db8:2::2");
  s.private_nexthop_mac = mac("02:00:00:02:00:02");
  s.host_ip = ip(v4 ? "10.2.5.3" : "2001:db8:2:5::3");
  s.public_ip = ip(v4 ? "198.51.100.1" : "2001:db8:200::1");
  s.public_mac = mac("02:00:00:02:01:01");
  s.public_nexthop_ip = ip(v4 ? "198.51.100.254" : "2001:db8:200::fe");
  s.public_nexthop_mac = mac("02:00:00:02:01:fe");
  s.public_ip2 = ip(v4 ? "198.51.100.2" : "2001:db8:200::2");
  s.public_mac2 = mac("02:00:00:02:02:01");
  s.outbound = sa(2001, 0x50, 0xc0);
  return s;
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
  std::string t;
  t += "private-interface" + f + " {\n  ifname lan0;\n  ip " + self.private_ip.to_string() +
       ";\n  mac " + self.private_mac.to_string() + ";\n  nexthop-ip " +
       self.private_nexthop_ip.to_string() + ";\n";
  if (o.static_private_nexthop)
    t += "  nexthop-mac " + self.private_nexthop_mac.to_string() + ";\n";
  t += "}\n";
  const auto public_interface = [&](const net::Address& address, const net::Mac& own_mac,
                                    std::uint16_t queue, const std::optional<net::Address>& nat) {
    t += "public-interface" + f + " {\n  ifname wan" + std::to_string(queue - 1) + ";\n  ip " +
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
       "\";\n  spi " + std::to_string(o.route_spi) + ";\n}\n";
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

}  // namespace strait::testing
