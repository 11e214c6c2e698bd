#include "config/schema.hpp"

#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/leaf_value.hpp"

namespace strait::config {

namespace {

#define STRAIT_CONFIG_CHECK(expr)             \
  do {                                        \
    if (auto check_ = (expr); !check_.ok()) { \
      return check_.error();                  \
    }                                         \
  } while (0)

enum class Kind { kLeaf, kContainer, kList };

struct Member {
  std::string_view name;
  Kind kind;
};

constexpr Member kTopLevel[] = {
    {"private-interface4", Kind::kContainer},
    {"public-interface4", Kind::kList},
    {"route4", Kind::kList},
    {"private-interface6", Kind::kContainer},
    {"public-interface6", Kind::kList},
    {"route6", Kind::kList},
    {"mtu", Kind::kLeaf},
    {"tfc", Kind::kLeaf},
    {"protocol-port", Kind::kLeaf},
    {"negotiation-ttl", Kind::kLeaf},
    {"sa-ttl", Kind::kLeaf},
    {"data-plane", Kind::kLeaf},
    {"outbound-sa", Kind::kList},
    {"inbound-sa", Kind::kList},
    {"nat-traversal", Kind::kContainer},  // Strait's extension (docs/NAT-TRAVERSAL.md)
};

constexpr Member kNatTraversal[] = {{"port", Kind::kLeaf}, {"keepalive-interval", Kind::kLeaf}};

constexpr Member kPrivateInterface[] = {
    {"pci", Kind::kLeaf},        {"ifname", Kind::kLeaf}, {"ip", Kind::kLeaf},
    {"nexthop-ip", Kind::kLeaf}, {"mac", Kind::kLeaf},    {"nexthop-mac", Kind::kLeaf},
};

constexpr Member kPublicInterface[] = {
    {"pci", Kind::kLeaf},        {"ifname", Kind::kLeaf},       {"ip", Kind::kLeaf},
    {"nexthop-ip", Kind::kLeaf}, {"mac", Kind::kLeaf},          {"nexthop-mac", Kind::kLeaf},
    {"queue", Kind::kLeaf},      {"device-queue", Kind::kLeaf}, {"nat-ip", Kind::kLeaf},
};

constexpr Member kRoute[] = {
    {"id", Kind::kLeaf},      {"net", Kind::kLeaf},
    {"gateway", Kind::kList}, {"preshared-key", Kind::kLeaf},
    {"spi", Kind::kLeaf},     {"udp-encapsulation", Kind::kLeaf},
};

constexpr Member kRouteGateway[] = {{"ip", Kind::kLeaf}, {"queue", Kind::kLeaf}};

constexpr Member kSecurityAssociation[] = {
    {"route", Kind::kLeaf}, {"spi", Kind::kLeaf},  {"aead", Kind::kLeaf},
    {"key", Kind::kLeaf},   {"salt", Kind::kLeaf}, {"queue", Kind::kLeaf},
};

constexpr std::uint64_t kMaxU32 = 0xffffffffu;
constexpr std::uint64_t kMinSpi = 256;
constexpr std::string_view kAead = "aes-gcm-16-icv";

const Statement* find(const Statements& block, std::string_view name) {
  for (const auto& s : block) {
    if (s.keyword == name) return &s;
  }
  return nullptr;
}

std::vector<const Statement*> find_all(const Statements& block, std::string_view name) {
  std::vector<const Statement*> out;
  for (const auto& s : block) {
    if (s.keyword == name) out.push_back(&s);
  }
  return out;
}

std::string_view family_name(net::Family family) {
  return family == net::Family::kIpv4 ? "IPv4" : "IPv6";
}

char family_digit(net::Family family) {
  return family == net::Family::kIpv4 ? '4' : '6';
}

std::string with_family(std::string_view stem, net::Family family) {
  std::string name(stem);
  name += family_digit(family);
  return name;
}

// Where a leaf's value came from: the value, or the entry that defaulted it.
Position origin(const Statement* leaf, const Statement& entry) {
  return leaf ? leaf->value->position : entry.position;
}

class SchemaReader {
 public:
  explicit SchemaReader(std::string_view file_name) : file_(file_name) {}

  base::Result<GatewayConfig> read(const Statements& document) {
    GatewayConfig config;
    STRAIT_CONFIG_CHECK(check_block(document, "at top level", kTopLevel));
    STRAIT_CONFIG_CHECK(choose_family(document, config.family));
    const net::Family family = config.family;

    const auto private_name = with_family("private-interface", family);
    const Statement* private_interface = find(document, private_name);
    if (!private_interface) {
      return error(Position{}, "missing mandatory container '" + private_name + "'");
    }
    STRAIT_CONFIG_CHECK(read_interface(*private_interface, family, 0x2a, kPrivateInterface,
                                       config.private_interface));

    // Public interfaces of both families may serve the queues of one
    // gateway (a dual-stack extension, docs/dual-stack.md); with one family
    // this is the list of that family alone.
    std::vector<const Statement*> public_entries;
    for (const auto& s : document)
      if (s.keyword == "public-interface4" || s.keyword == "public-interface6")
        public_entries.push_back(&s);
    STRAIT_CONFIG_CHECK(read_public_interfaces(
        public_entries, with_family("public-interface", family), config.public_interfaces));

    STRAIT_CONFIG_CHECK(read_routes(find_all(document, with_family("route", family)), family,
                                    public_entries, config.public_interfaces, config.routes));

    STRAIT_CONFIG_CHECK(read_integer(find(document, "mtu"), 0, 8923, config.mtu));
    STRAIT_CONFIG_CHECK(read_boolean(find(document, "tfc"), config.tfc));
    STRAIT_CONFIG_CHECK(
        read_integer(find(document, "protocol-port"), 1, 65535, config.protocol_port));
    STRAIT_CONFIG_CHECK(
        read_integer(find(document, "negotiation-ttl"), 1, kMaxU32, config.negotiation_ttl));
    STRAIT_CONFIG_CHECK(read_integer(find(document, "sa-ttl"), 1, kMaxU32, config.sa_ttl));
    STRAIT_CONFIG_CHECK(read_boolean(find(document, "data-plane"), config.data_plane));

    STRAIT_CONFIG_CHECK(read_security_associations(find_all(document, "outbound-sa"), true,
                                                   config.routes, config.outbound_sas));
    STRAIT_CONFIG_CHECK(read_security_associations(find_all(document, "inbound-sa"), false,
                                                   config.routes, config.inbound_sas));
    STRAIT_CONFIG_CHECK(read_nat_traversal(document, config));
    return config;
  }

 private:
  base::Error error(Position position, std::string_view what) const {
    return located_error(file_, position, what);
  }

  // Every statement of `block` is a known member used as its kind, and
  // leaves and containers occur at most once.
  base::Status check_block(const Statements& block, std::string_view where,
                           std::span<const Member> members) const {
    for (std::size_t i = 0; i < block.size(); ++i) {
      const Statement& s = block[i];
      const Member* member = nullptr;
      for (const auto& m : members) {
        if (m.name == s.keyword) member = &m;
      }
      if (!member) {
        std::string what = "unknown name " + display_name(s.keyword) + " " + std::string(where) +
                           " (expected one of:";
        for (const auto& m : members) {
          what += ' ';
          what += m.name;
        }
        what += ')';
        return error(s.position, what);
      }
      const std::string name = "'" + s.keyword + "'";
      if (member->kind == Kind::kLeaf) {
        if (s.has_block)
          return error(s.position, name + " is a leaf: expected a value, not a block");
        if (!s.value) return error(s.position, name + ": expected a value");
      } else {
        if (s.value) return error(s.value->position, name + ": expected '{', not a value");
        if (!s.has_block) return error(s.position, name + ": expected a block '{ ... }'");
      }
      if (member->kind != Kind::kList) {
        for (std::size_t j = 0; j < i; ++j) {
          if (block[j].keyword == s.keyword) {
            return error(s.position,
                         "duplicate " + name + " (first at " + to_string(block[j].position) + ")");
          }
        }
      }
    }
    return base::Ok{};
  }

  base::Status require(const Statement& owner, std::string_view name) const {
    if (find(owner.children, name)) return base::Ok{};
    return error(owner.position,
                 "'" + owner.keyword + "': missing mandatory leaf '" + std::string(name) + "'");
  }

  // The gateway's family: that of its private network (private-interface4
  // or private-interface6) and of its routes' networks. One family set, as
  // in Vita; or, as a dual-stack extension (docs/dual-stack.md), public
  // interfaces of the other family too, reaching route gateways of that
  // family: the private network and the routes keep one family.
  base::Status choose_family(const Statements& document, net::Family& family) const {
    const Statement* first[2] = {nullptr, nullptr};     // IPv4 set, IPv6 set
    const Statement* private_[2] = {nullptr, nullptr};  // private-interface4, 6
    const Statement* route[2] = {nullptr, nullptr};     // route4, route6
    for (const auto& s : document) {
      const auto& k = s.keyword;
      if (k == "private-interface4" || k == "public-interface4" || k == "route4") {
        if (!first[0]) first[0] = &s;
      } else if (k == "private-interface6" || k == "public-interface6" || k == "route6") {
        if (!first[1]) first[1] = &s;
      }
      const int f = k.ends_with('4') ? 0 : 1;
      if (k.starts_with("private-interface") && !private_[f]) private_[f] = &s;
      if (k.starts_with("route") && !route[f]) route[f] = &s;
    }
    const auto later_of = [](const Statement* a, const Statement* b) {
      const bool b_later =
          a->position.line < b->position.line ||
          (a->position.line == b->position.line && a->position.column < b->position.column);
      return b_later ? std::pair{b, a} : std::pair{a, b};
    };
    const auto exclusive = [&](const Statement* a, const Statement* b, std::string_view why) {
      const auto [later, earlier] = later_of(a, b);
      return error(later->position, "'" + later->keyword +
                                        "': the IPv4 and IPv6 sets are exclusive ('" +
                                        earlier->keyword + "' at " + to_string(earlier->position) +
                                        ")" + std::string(why));
    };
    constexpr std::string_view kOneInnerFamily =
        ": a gateway's private network and routes are of one family (a route4 may reach an "
        "IPv6 gateway through a public-interface6, a route6 an IPv4 gateway through a "
        "public-interface4)";
    if (private_[0] && private_[1]) return exclusive(private_[0], private_[1], kOneInnerFamily);
    if (route[0] && route[1]) return exclusive(route[0], route[1], kOneInnerFamily);
    if (first[0] && first[1]) {
      // Mixed: the private network's family, else the routes'.
      const int inner = private_[0] ? 0 : private_[1] ? 1 : route[0] ? 0 : route[1] ? 1 : -1;
      if (inner < 0) return exclusive(first[0], first[1], "");
      const Statement* own = private_[inner] ? private_[inner] : route[inner];
      if (route[1 - inner]) return exclusive(own, route[1 - inner], kOneInnerFamily);
      family = inner == 0 ? net::Family::kIpv4 : net::Family::kIpv6;
      return base::Ok{};
    }
    if (!first[0] && !first[1]) {
      return error(Position{},
                   "expected the IPv4 set (private-interface4, public-interface4, route4) or "
                   "the IPv6 set (private-interface6, public-interface6, route6)");
    }
    family = first[0] ? net::Family::kIpv4 : net::Family::kIpv6;
    return base::Ok{};
  }

  base::Status read_address(const Statement& leaf, net::Family family, net::Address& out) const {
    auto address = net::Address::parse(leaf.value->text);
    const std::string what =
        "'" + leaf.keyword + "': expected an " + std::string(family_name(family)) + " address";
    if (!address) return error(leaf.value->position, what);
    if (address->family != family) {
      return error(leaf.value->position,
                   what + ", found an " + std::string(family_name(address->family)) + " address");
    }
    out = *address;
    return base::Ok{};
  }

  base::Status read_mac(const Statement& leaf, net::Mac& out) const {
    auto mac = net::Mac::parse(leaf.value->text);
    if (!mac) {
      return error(leaf.value->position,
                   "'" + leaf.keyword + "': expected a MAC address like 0a:1b:2c:3d:4e:5f");
    }
    out = *mac;
    return base::Ok{};
  }

  template <class T>
  base::Status read_integer(const Statement* leaf, std::uint64_t min, std::uint64_t max,
                            T& out) const {
    if (!leaf) return base::Ok{};  // keep the default
    auto value = parse_decimal(leaf->value->text, min, max);
    if (!value) {
      return error(leaf->value->position, "'" + leaf->keyword + "': expected an integer in " +
                                              std::to_string(min) + ".." + std::to_string(max));
    }
    out = static_cast<T>(*value);
    return base::Ok{};
  }

  base::Status read_boolean(const Statement* leaf, bool& out) const {
    if (!leaf) return base::Ok{};
    auto value = parse_boolean(leaf->value->text);
    if (!value)
      return error(leaf->value->position, "'" + leaf->keyword + "': expected true or false");
    out = *value;
    return base::Ok{};
  }

  template <std::size_t N>
  base::Status read_key(const Statement& leaf, base::SecretBytes<N>& out) const {
    if (!parse_hex_bytes(leaf.value->text, out)) {
      // Never echo the value: it is key material.
      return error(leaf.value->position,
                   "'" + leaf.keyword + "': expected " + std::to_string(N * 2) + " hex digits (" +
                       std::to_string(N) + " bytes, spaces allowed between byte pairs)");
    }
    return base::Ok{};
  }

  base::Status read_interface(const Statement& s, net::Family family, std::uint8_t mac_prefix,
                              std::span<const Member> members, Interface& out) const {
    STRAIT_CONFIG_CHECK(check_block(s.children, "in '" + s.keyword + "'", members));
    const Statements& block = s.children;
    const Statement* ifname = find(block, "ifname");
    const Statement* pci = find(block, "pci");
    if (ifname && pci) {
      const Statement* later = ifname->position.line > pci->position.line ||
                                       (ifname->position.line == pci->position.line &&
                                        ifname->position.column > pci->position.column)
                                   ? ifname
                                   : pci;
      return error(later->position, "'pci' and 'ifname' are exclusive: use one of them");
    }
    if (!ifname && !pci) {
      return error(s.position, "'" + s.keyword + "': missing mandatory leaf 'ifname' or 'pci'");
    }
    if (ifname) {
      if (!is_interface_name(ifname->value->text)) {
        return error(ifname->value->position,
                     "'ifname': expected an interface name of 1-15 characters without '/', ':' "
                     "or whitespace");
      }
      out.ifname = std::string(ifname->value->text.view());
    } else {
      auto address = parse_pci_address(pci->value->text);
      if (!address) {
        return error(pci->value->position,
                     "'pci': expected a PCI address like 0000:00:06.0 or 00:06.0");
      }
      out.pci = *address;
    }
    STRAIT_CONFIG_CHECK(require(s, "ip"));
    STRAIT_CONFIG_CHECK(require(s, "nexthop-ip"));
    STRAIT_CONFIG_CHECK(read_address(*find(block, "ip"), family, out.ip));
    STRAIT_CONFIG_CHECK(read_address(*find(block, "nexthop-ip"), family, out.nexthop_ip));
    if (const Statement* mac = find(block, "mac")) {
      STRAIT_CONFIG_CHECK(read_mac(*mac, out.mac));
    } else {
      out.mac = derived_mac(mac_prefix, out.ip);
    }
    if (const Statement* nexthop_mac = find(block, "nexthop-mac")) {
      net::Mac mac;
      STRAIT_CONFIG_CHECK(read_mac(*nexthop_mac, mac));
      out.nexthop_mac = mac;
    }
    return base::Ok{};
  }

  // `entries`: public-interface4 and public-interface6 entries in document
  // order, each read in its own family; queues are unique across both.
  base::Status read_public_interfaces(const std::vector<const Statement*>& entries,
                                      const std::string& required_name,
                                      std::vector<PublicInterface>& out) const {
    if (entries.empty()) {
      return error(Position{}, "at least one '" + required_name + "' is required");
    }
    for (const Statement* entry : entries) {
      const std::string& name = entry->keyword;
      const net::Family family = name.ends_with('4') ? net::Family::kIpv4 : net::Family::kIpv6;
      PublicInterface interface;
      STRAIT_CONFIG_CHECK(read_interface(*entry, family, 0x3a, kPublicInterface, interface));
      const Statements& block = entry->children;
      const Statement* queue = find(block, "queue");
      STRAIT_CONFIG_CHECK(read_integer(queue, 1, 65535, interface.queue));
      if (const Statement* device_queue = find(block, "device-queue")) {
        std::uint16_t value = 0;
        STRAIT_CONFIG_CHECK(read_integer(device_queue, 1, 65535, value));
        interface.device_queue = value;
      }
      if (const Statement* nat_ip = find(block, "nat-ip")) {
        net::Address address;
        STRAIT_CONFIG_CHECK(read_address(*nat_ip, family, address));
        interface.nat_ip = address;
      }
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].ip == interface.ip) {
          return error(find(block, "ip")->value->position, "duplicate '" + name +
                                                               "' key: same 'ip' as the entry at " +
                                                               to_string(entries[i]->position));
        }
        if (out[i].queue == interface.queue) {
          return error(origin(queue, *entry),
                       "'" + name + "': 'queue' " + std::to_string(interface.queue) +
                           " already served by the entry at " + to_string(entries[i]->position));
        }
      }
      out.push_back(std::move(interface));
    }
    return base::Ok{};
  }

  // A route gateway's address is of the family of the public interface
  // serving its queue (IPv4 and IPv6 alike: the dual-stack extension); a
  // queue without a gateway of its own uses the route's gateway of the
  // lowest queue (PROTOCOL.md 3), which must then be of that queue's family.
  base::Status check_gateway_families(const Statement& route,
                                      const std::vector<const Statement*>& entries,
                                      const std::vector<const Statement*>& public_entries,
                                      const std::vector<PublicInterface>& publics,
                                      const std::vector<RouteGateway>& gateways) const {
    const auto public_entry_of = [&](std::uint16_t queue) -> std::size_t {
      for (std::size_t i = 0; i < publics.size(); ++i)
        if (publics[i].queue == queue) return i;
      return publics.size();
    };
    const auto mismatch = [&](std::size_t g, std::size_t p, std::string_view why) {
      const net::Family want = publics[p].ip.family, found = gateways[g].ip.family;
      return error(find(entries[g]->children, "ip")->value->position,
                   "'ip': expected an " + std::string(family_name(want)) + " address, found an " +
                       std::string(family_name(found)) + " address: " + std::string(why) +
                       "queue " + std::to_string(publics[p].queue) + " is served by '" +
                       public_entries[p]->keyword + "' at " +
                       to_string(public_entries[p]->position) + " (an " +
                       std::string(family_name(found)) + " gateway needs a " +
                       with_family("public-interface", found) + " serving its queue)");
    };
    std::size_t lowest = 0;
    for (std::size_t g = 0; g < gateways.size(); ++g) {
      if (gateways[g].queue < gateways[lowest].queue) lowest = g;
      const std::size_t p = public_entry_of(gateways[g].queue);
      if (p < publics.size()) {
        if (publics[p].ip.family != gateways[g].ip.family) return mismatch(g, p, "");
        continue;
      }
      // An unserved queue: its gateway is used only as the lowest one.
      bool family_served = false;
      for (const auto& q : publics)
        family_served = family_served || q.ip.family == gateways[g].ip.family;
      if (!family_served) {
        const net::Family found = gateways[g].ip.family;
        const net::Family want =
            found == net::Family::kIpv4 ? net::Family::kIpv6 : net::Family::kIpv4;
        return error(find(entries[g]->children, "ip")->value->position,
                     "'ip': expected an " + std::string(family_name(want)) + " address, found an " +
                         std::string(family_name(found)) + " address (an " +
                         std::string(family_name(found)) + " gateway needs a " +
                         with_family("public-interface", found) + ")");
      }
    }
    for (std::size_t p = 0; p < publics.size(); ++p) {
      bool own = false;
      for (const auto& g : gateways)
        own = own || g.queue == publics[p].queue;
      if (!own && publics[p].ip.family != gateways[lowest].ip.family) {
        return mismatch(lowest, p,
                        "route " + display_name(find(route.children, "id")->value->text) +
                            " has no gateway for queue " + std::to_string(publics[p].queue) +
                            " and uses this one (its lowest queue's) there, but ");
      }
    }
    return base::Ok{};
  }

  base::Status read_gateways(const Statement& route, std::vector<RouteGateway>& out,
                             std::vector<const Statement*>& entries_out) const {
    const auto entries = find_all(route.children, "gateway");
    entries_out = entries;
    if (entries.empty()) {
      return error(route.position, "'" + route.keyword + "': at least one 'gateway' is required");
    }
    for (std::size_t e = 0; e < entries.size(); ++e) {
      const Statement& entry = *entries[e];
      STRAIT_CONFIG_CHECK(check_block(entry.children, "in 'gateway'", kRouteGateway));
      STRAIT_CONFIG_CHECK(require(entry, "ip"));
      RouteGateway gateway;
      const Statement* ip = find(entry.children, "ip");
      const Statement* queue = find(entry.children, "queue");
      auto address = net::Address::parse(ip->value->text);
      if (!address) return error(ip->value->position, "'ip': expected an IPv4 or IPv6 address");
      gateway.ip = *address;
      STRAIT_CONFIG_CHECK(read_integer(queue, 1, 65535, gateway.queue));
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].ip == gateway.ip) {
          return error(ip->value->position,
                       "duplicate 'gateway' key: same 'ip' as the gateway at " +
                           to_string(entries[i]->position));
        }
        if (out[i].queue == gateway.queue) {
          return error(origin(queue, entry), "'gateway': 'queue' " + std::to_string(gateway.queue) +
                                                 " already used by the gateway at " +
                                                 to_string(entries[i]->position));
        }
      }
      out.push_back(gateway);
    }
    return base::Ok{};
  }

  base::Status read_routes(const std::vector<const Statement*>& entries, net::Family family,
                           const std::vector<const Statement*>& public_entries,
                           const std::vector<PublicInterface>& publics,
                           std::vector<Route>& out) const {
    // The first route of each id, SPI, network and pre-shared key: lookups,
    // not a scan of every earlier route (10,000 routes load in moments).
    // Keys are compared where they are (the secure heap), by index, with
    // memcmp: ordering configured keys against each other needs no
    // constant time (no one outside measures it).
    std::unordered_map<std::string, std::size_t> by_id;
    std::unordered_map<std::uint32_t, std::size_t> by_spi;
    std::unordered_map<std::string, std::size_t> by_net;
    const auto key_less = [&out](std::size_t a, std::size_t b) {
      return std::memcmp(out[a].preshared_key.data(), out[b].preshared_key.data(),
                         out[a].preshared_key.size()) < 0;
    };
    std::set<std::size_t, decltype(key_less)> by_key(key_less);
    out.reserve(entries.size());
    for (std::size_t e = 0; e < entries.size(); ++e) {
      const Statement& entry = *entries[e];
      const std::string where = "in '" + entry.keyword + "'";
      STRAIT_CONFIG_CHECK(check_block(entry.children, where, kRoute));
      for (auto name : {"id", "net", "preshared-key", "spi"}) {
        STRAIT_CONFIG_CHECK(require(entry, name));
      }
      const Statements& block = entry.children;
      const Statement& id = *find(block, "id");
      const Statement& net = *find(block, "net");
      const Statement& key = *find(block, "preshared-key");
      const Statement& spi = *find(block, "spi");
      Route route;
      if (!is_route_id(id.value->text)) {
        return error(id.value->position, "'id': expected a route name of letters, digits and '_'");
      }
      route.id = std::string(id.value->text.view());
      auto prefix = net::Prefix::parse(net.value->text);
      if (!prefix || prefix->address.family != family) {
        return error(net.value->position,
                     "'net': expected an " + std::string(family_name(family)) + " prefix like " +
                         (family == net::Family::kIpv4 ? "10.1.0.0/16" : "2001:db8::/32") +
                         " (no host bits set)");
      }
      route.net = *prefix;
      STRAIT_CONFIG_CHECK(read_key(key, route.preshared_key));
      STRAIT_CONFIG_CHECK(read_integer(&spi, kMinSpi, kMaxU32, route.spi));
      std::vector<const Statement*> gateway_entries;
      STRAIT_CONFIG_CHECK(read_gateways(entry, route.gateways, gateway_entries));
      STRAIT_CONFIG_CHECK(
          check_gateway_families(entry, gateway_entries, public_entries, publics, route.gateways));
      STRAIT_CONFIG_CHECK(read_boolean(find(block, "udp-encapsulation"), route.udp_encapsulation));
      const std::size_t index = out.size();
      const std::string net_text = route.net.to_string();
      out.push_back(std::move(route));
      // The earliest route this one repeats, and what it repeats (id, SPI,
      // key, network, in that order for the same route).
      std::size_t first = index;
      std::optional<base::Error> repeated;
      const auto note = [&](std::size_t i, Position at, const std::string& what) {
        if (i >= first) return;
        first = i;
        repeated = error(at, what + " as the route at " + to_string(entries[i]->position));
      };
      const Route& added = out.back();
      if (auto f = by_id.find(added.id); f != by_id.end())
        note(f->second, id.value->position, "duplicate route 'id' " + display_name(added.id));
      if (auto f = by_spi.find(added.spi); f != by_spi.end())
        note(f->second, spi.value->position, "'spi': same route SPI");
      if (auto f = by_key.find(index); f != by_key.end())
        note(*f, key.value->position, "'preshared-key': same key");
      if (auto f = by_net.find(net_text); f != by_net.end())
        note(f->second, net.value->position, "'net': same network");
      if (repeated) return *repeated;
      by_id.emplace(added.id, index);
      by_spi.emplace(added.spi, index);
      by_key.insert(index);
      by_net.emplace(net_text, index);
    }
    return base::Ok{};
  }

  base::Status read_security_associations(const std::vector<const Statement*>& entries,
                                          bool outbound, const std::vector<Route>& routes,
                                          std::vector<SecurityAssociation>& out) const {
    for (std::size_t e = 0; e < entries.size(); ++e) {
      const Statement& entry = *entries[e];
      const std::string name = "'" + entry.keyword + "'";
      STRAIT_CONFIG_CHECK(check_block(entry.children, "in " + name, kSecurityAssociation));
      for (auto leaf : {"route", "spi", "aead", "key", "salt"}) {
        STRAIT_CONFIG_CHECK(require(entry, leaf));
      }
      const Statements& block = entry.children;
      const Statement& route = *find(block, "route");
      const Statement& spi = *find(block, "spi");
      const Statement& aead = *find(block, "aead");
      const Statement* queue = find(block, "queue");
      SecurityAssociation sa;
      bool known_route = false;
      for (const auto& r : routes)
        known_route = known_route || r.id == route.value->text;
      if (!known_route) {
        return error(route.value->position,
                     "'route': unknown route " + display_name(route.value->text));
      }
      sa.route = std::string(route.value->text.view());
      STRAIT_CONFIG_CHECK(read_integer(&spi, kMinSpi, kMaxU32, sa.spi));
      if (aead.value->text != kAead) {
        return error(aead.value->position, "'aead': expected aes-gcm-16-icv");
      }
      STRAIT_CONFIG_CHECK(read_key(*find(block, "key"), sa.key));
      STRAIT_CONFIG_CHECK(read_key(*find(block, "salt"), sa.salt));
      STRAIT_CONFIG_CHECK(read_integer(queue, 1, 65535, sa.queue));
      for (std::size_t i = 0; i < out.size(); ++i) {
        const auto first = [&] { return " as the entry at " + to_string(entries[i]->position); };
        if (out[i].spi == sa.spi && out[i].queue == sa.queue) {
          return error(spi.value->position,
                       "duplicate " + name + " key: same 'spi' and 'queue'" + first());
        }
        if (outbound && out[i].route == sa.route && out[i].queue == sa.queue) {
          return error(origin(queue, entry), name + ": same 'route' and 'queue'" + first());
        }
      }
      out.push_back(std::move(sa));
    }
    return base::Ok{};
  }

  // nat-traversal { port; keepalive-interval; } (docs/NAT-TRAVERSAL.md).
  base::Status read_nat_traversal(const Statements& document, GatewayConfig& config) const {
    const Statement* nat = find(document, "nat-traversal");
    if (nat) {
      STRAIT_CONFIG_CHECK(check_block(nat->children, "in 'nat-traversal'", kNatTraversal));
      STRAIT_CONFIG_CHECK(
          read_integer(find(nat->children, "port"), 1, 65535, config.nat_traversal.port));
      STRAIT_CONFIG_CHECK(read_integer(find(nat->children, "keepalive-interval"), 0, 3600,
                                       config.nat_traversal.keepalive_interval));
    }
    if (config.uses_udp_encapsulation() && config.nat_traversal.port == config.protocol_port) {
      const Statement* port = nat ? find(nat->children, "port") : nullptr;
      return error(port ? port->value->position : Position{},
                   "'nat-traversal': 'port' " + std::to_string(config.nat_traversal.port) +
                       " is also 'protocol-port': routes with udp-encapsulation need a port of "
                       "their own (set nat-traversal { port N; } or protocol-port)");
    }
    return base::Ok{};
  }

  std::string_view file_;
};

#undef STRAIT_CONFIG_CHECK

}  // namespace

base::Result<GatewayConfig> apply_schema(const Statements& document, std::string_view file_name) {
  return SchemaReader(file_name).read(document);
}

}  // namespace strait::config
