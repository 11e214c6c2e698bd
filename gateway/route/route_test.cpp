#define BOOST_TEST_MODULE route
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "net/address.hpp"
#include "route/ipv4_load.hpp"
#include "route/lpm4.hpp"
#include "route/lpm6.hpp"
#include "route/prefix_mask.hpp"

using namespace strait;
using namespace strait::route;
using namespace strait::route::test;

namespace {

std::uint32_t ip4(int a, int b, int c, int d) {
  return (std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) |
         std::uint32_t(d);
}

// Bit `position` counted from the most significant bit of the address.
std::uint32_t flip4(std::uint32_t address, int position) {
  return address ^ (0x8000'0000u >> position);
}

Bytes16 flip6(Bytes16 address, int position) {
  address[position / 8] =
      static_cast<std::uint8_t>(address[position / 8] ^ (0x80u >> (position % 8)));
  return address;
}

Bytes16 v6(const char* text) {
  auto address = net::Address::parse(text);
  BOOST_REQUIRE(address.has_value());
  BOOST_REQUIRE((address->family == net::Family::kIpv6));
  return address->bytes;
}

net::Prefix prefix(const char* text) {
  auto p = net::Prefix::parse(text);
  BOOST_REQUIRE(p.has_value());
  return *p;
}

// Naive reference: linear scan for the longest matching prefix; the same
// prefix inserted again replaces its value.
template <class Key>
class LinearReference {
 public:
  void insert(const Key& key, int length, std::uint32_t value) {
    for (auto& route : routes_) {
      if (route.key == key && route.length == length) {
        route.value = value;
        return;
      }
    }
    routes_.push_back({key, length, value});
  }
  template <class Mask>
  std::uint32_t lookup(const Key& address, Mask mask) const {
    int best = -1;
    std::uint32_t value = kNoRoute;
    for (const auto& route : routes_) {
      if (route.length > best && mask(address, route.length) == route.key) {
        best = route.length;
        value = route.value;
      }
    }
    return value;
  }
  std::size_t size() const { return routes_.size(); }

 private:
  struct Route {
    Key key;
    int length;
    std::uint32_t value;
  };
  std::vector<Route> routes_;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(lpm4)

BOOST_AUTO_TEST_CASE(empty_table_has_no_route) {
  Lpm4 table;
  BOOST_TEST(table.lookup(ip4(10, 0, 0, 1)) == kNoRoute);
  BOOST_TEST(table.lookup(0u) == kNoRoute);
  BOOST_TEST(table.lookup(0xFFFF'FFFFu) == kNoRoute);
  BOOST_TEST(table.node_count() == 0u);
  BOOST_TEST(table.memory_bytes() >= 65536u * 4u);
}

BOOST_AUTO_TEST_CASE(default_route_matches_everything_until_overridden) {
  Lpm4 table;
  BOOST_REQUIRE(table.insert(0u, 0, 7));
  BOOST_TEST(table.lookup(0u) == 7u);
  BOOST_TEST(table.lookup(ip4(10, 1, 2, 3)) == 7u);
  BOOST_TEST(table.lookup(0xFFFF'FFFFu) == 7u);
  BOOST_REQUIRE(table.insert(ip4(10, 0, 0, 0), 8, 1));
  BOOST_TEST(table.lookup(ip4(10, 1, 2, 3)) == 1u);
  BOOST_TEST(table.lookup(ip4(11, 1, 2, 3)) == 7u);
  BOOST_TEST(table.lookup(ip4(9, 255, 255, 255)) == 7u);
}

BOOST_AUTO_TEST_CASE(host_route_matches_only_its_address) {
  Lpm4 table;
  BOOST_REQUIRE(table.insert(ip4(192, 168, 1, 77), 32, 5));
  BOOST_TEST(table.lookup(ip4(192, 168, 1, 77)) == 5u);
  BOOST_TEST(table.lookup(ip4(192, 168, 1, 76)) == kNoRoute);
  BOOST_TEST(table.lookup(ip4(192, 168, 1, 78)) == kNoRoute);
  BOOST_TEST(table.lookup(ip4(192, 168, 0, 77)) == kNoRoute);
  BOOST_TEST(table.lookup(ip4(193, 168, 1, 77)) == kNoRoute);
  BOOST_TEST(table.node_count() == 2u);  // one node per 8-bit level below the root
  table.shrink_to_fit();                 // 4-byte entries plus 1 control-path depth byte each
  BOOST_TEST(table.memory_bytes() == (65536u + 2u * 256u) * 5u);
  // A shorter covering route fills the rest of the same nodes.
  BOOST_REQUIRE(table.insert(ip4(192, 168, 1, 0), 24, 6));
  BOOST_TEST(table.lookup(ip4(192, 168, 1, 76)) == 6u);
  BOOST_TEST(table.lookup(ip4(192, 168, 1, 77)) == 5u);
  BOOST_TEST(table.lookup(ip4(192, 168, 2, 77)) == kNoRoute);
}

BOOST_AUTO_TEST_CASE(nested_prefixes_in_every_insertion_order) {
  struct Route {
    std::uint32_t prefix;
    std::uint8_t length;
    std::uint32_t value;
  };
  std::array<Route, 5> routes = {{{0, 0, 100},
                                  {ip4(10, 0, 0, 0), 8, 1},
                                  {ip4(10, 1, 0, 0), 16, 2},
                                  {ip4(10, 1, 2, 0), 24, 3},
                                  {ip4(10, 1, 2, 3), 32, 4}}};
  std::array<int, 5> order = {0, 1, 2, 3, 4};
  int permutations = 0;
  do {
    Lpm4 table;
    for (int i : order) {
      BOOST_REQUIRE(table.insert(routes[i].prefix, routes[i].length, routes[i].value));
    }
    BOOST_TEST(table.lookup(ip4(10, 1, 2, 3)) == 4u);
    BOOST_TEST(table.lookup(ip4(10, 1, 2, 4)) == 3u);
    BOOST_TEST(table.lookup(ip4(10, 1, 3, 3)) == 2u);
    BOOST_TEST(table.lookup(ip4(10, 2, 2, 3)) == 1u);
    BOOST_TEST(table.lookup(ip4(11, 1, 2, 3)) == 100u);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  BOOST_TEST(permutations == 120);
}

BOOST_AUTO_TEST_CASE(prefixes_at_stride_boundaries) {
  const std::uint32_t address = ip4(0xC5, 0xA7, 0x93, 0x6B);
  const std::array<int, 13> lengths = {1, 7, 8, 9, 15, 16, 17, 23, 24, 25, 31, 32, 0};
  // Each length alone: matches inside, misses when the last prefix bit flips.
  for (int length : lengths) {
    BOOST_TEST_CONTEXT("length " << length) {
      Lpm4 table;
      BOOST_REQUIRE(table.insert(mask4(address, length), static_cast<std::uint8_t>(length), 9));
      BOOST_TEST(table.lookup(address) == 9u);
      BOOST_TEST(table.lookup(mask4(address, length)) == 9u);
      std::uint32_t last =
          length == 32 ? address : mask4(address, length) | (0xFFFF'FFFFu >> length);
      BOOST_TEST(table.lookup(last) == 9u);  // last address inside the prefix
      if (length > 0) BOOST_TEST(table.lookup(flip4(address, length - 1)) == kNoRoute);
    }
  }
  // All together: flipping bit p leaves the prefixes of length <= p matching.
  Lpm4 table;
  for (int length : lengths) {
    BOOST_REQUIRE(table.insert(mask4(address, length), static_cast<std::uint8_t>(length),
                               static_cast<std::uint32_t>(length)));
  }
  BOOST_TEST(table.lookup(address) == 32u);
  for (int position = 0; position < 32; ++position) {
    std::uint32_t expected = 0;
    for (int length : lengths) {
      if (length <= position) expected = std::max(expected, static_cast<std::uint32_t>(length));
    }
    BOOST_TEST(table.lookup(flip4(address, position)) == expected, "bit " << position);
  }
}

BOOST_AUTO_TEST_CASE(same_prefix_replaces_value_without_touching_longer_ones) {
  Lpm4 table;
  BOOST_REQUIRE(table.insert(ip4(10, 0, 0, 0), 8, 1));
  BOOST_REQUIRE(table.insert(ip4(10, 1, 0, 0), 24, 2));
  BOOST_REQUIRE(table.insert(ip4(10, 0, 0, 0), 8, 3));
  BOOST_TEST(table.lookup(ip4(10, 9, 9, 9)) == 3u);
  BOOST_TEST(table.lookup(ip4(10, 1, 0, 9)) == 2u);
  BOOST_REQUIRE(table.insert(ip4(10, 1, 0, 0), 24, 4));
  BOOST_TEST(table.lookup(ip4(10, 1, 0, 9)) == 4u);
  BOOST_TEST(table.lookup(ip4(10, 1, 1, 9)) == 3u);
  BOOST_REQUIRE(table.insert(ip4(10, 1, 0, 0), 24, 0));  // value 0 is a real route
  BOOST_TEST(table.lookup(ip4(10, 1, 0, 9)) == 0u);
  BOOST_REQUIRE(table.insert(ip4(10, 1, 0, 0), 24, kMaxRouteValue));
  BOOST_TEST(table.lookup(ip4(10, 1, 0, 9)) == kMaxRouteValue);
}

BOOST_AUTO_TEST_CASE(bad_routes_are_rejected) {
  Lpm4 table;
  auto too_long = table.insert(ip4(10, 0, 0, 0), 33, 1);
  BOOST_TEST(!too_long.ok());
  BOOST_TEST(!too_long.error().message.empty());
  BOOST_TEST(!table.insert(ip4(10, 0, 0, 1), 24, 1).ok());  // host bits set
  BOOST_TEST(!table.insert(ip4(10, 128, 0, 0), 8, 1).ok());
  BOOST_TEST(!table.insert(1u, 0, 1).ok());
  BOOST_TEST(!table.insert(ip4(10, 0, 0, 0), 8, kNoRoute).ok());
  BOOST_TEST(!table.insert(prefix("2001:db8::/32"), 1).ok());
  BOOST_TEST(table.lookup(ip4(10, 0, 0, 1)) == kNoRoute);
  BOOST_TEST(table.node_count() == 0u);
}

BOOST_AUTO_TEST_CASE(config_prefixes_and_addresses) {
  Lpm4 table;
  BOOST_REQUIRE(table.insert(prefix("10.70.0.0/16"), 1));
  BOOST_REQUIRE(table.insert(prefix("10.70.3.0/24"), 2));
  auto a = net::Address::parse("10.70.3.9");
  auto b = net::Address::parse("10.70.4.9");
  auto c = net::Address::parse("2001:db8::1");
  BOOST_REQUIRE((a && b && c));
  BOOST_TEST(table.lookup(*a) == 2u);
  BOOST_TEST(table.lookup(*b) == 1u);
  BOOST_TEST(table.lookup(*c) == kNoRoute);
  BOOST_TEST(table.lookup(load_ipv4_host_order(a->data())) == 2u);
}

BOOST_AUTO_TEST_CASE(clear_removes_all_routes) {
  Lpm4 table;
  BOOST_REQUIRE(table.insert(0u, 0, 1));
  BOOST_REQUIRE(table.insert(ip4(1, 2, 3, 4), 32, 2));
  table.clear();
  BOOST_TEST(table.lookup(ip4(1, 2, 3, 4)) == kNoRoute);
  BOOST_TEST(table.lookup(ip4(5, 6, 7, 8)) == kNoRoute);
  BOOST_TEST(table.node_count() == 0u);
  BOOST_REQUIRE(table.insert(ip4(1, 2, 3, 0), 24, 3));
  BOOST_TEST(table.lookup(ip4(1, 2, 3, 4)) == 3u);
}

BOOST_AUTO_TEST_CASE(load_ipv4_reads_network_order) {
  const std::uint8_t header[] = {0x00, 0xC0, 0xA8, 0x01, 0x02, 0xFF};
  BOOST_TEST(load_ipv4_host_order(header + 1) == ip4(192, 168, 1, 2));  // unaligned
  BOOST_TEST(load_ipv4_host_order(header + 2) == 0xA80102FFu);
}

BOOST_AUTO_TEST_CASE(random_routes_match_linear_reference) {
  std::mt19937_64 rng(0x5742'4149'5434ull);
  // Prefixes are cut from a small pool of base addresses so that they nest
  // and overlap heavily at every depth.
  std::vector<std::uint32_t> bases(48);
  for (auto& base : bases)
    base = static_cast<std::uint32_t>(rng());
  Lpm4 table;
  LinearReference<std::uint32_t> reference;
  std::vector<std::pair<std::uint32_t, int>> inserted;
  std::size_t checked = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 1000; ++i) {
      std::uint32_t base = bases[rng() % bases.size()];
      if (rng() % 4 == 0) base = static_cast<std::uint32_t>(rng());
      int length = static_cast<int>(rng() % 33);
      if (!inserted.empty() && rng() % 10 == 0) {  // replace an existing prefix
        auto [p, l] = inserted[rng() % inserted.size()];
        base = p;
        length = l;
      }
      auto value = static_cast<std::uint32_t>(rng() % 100000);
      std::uint32_t p = mask4(base, length);
      BOOST_REQUIRE(table.insert(p, static_cast<std::uint8_t>(length), value));
      reference.insert(p, length, value);
      inserted.emplace_back(p, length);
    }
    for (int i = 0; i < 10000; ++i) {
      std::uint32_t address = static_cast<std::uint32_t>(rng());
      if (i % 2 == 0) {  // inside an inserted prefix, random host bits
        auto [p, l] = inserted[rng() % inserted.size()];
        address = p | (address & ~mask4(0xFFFF'FFFFu, l));
      }
      std::uint32_t expected = reference.lookup(address, mask4);
      if (table.lookup(address) != expected) {
        BOOST_TEST(table.lookup(address) == expected, "address " << std::hex << address);
      }
      ++checked;
    }
  }
  BOOST_TEST(checked == 50000u);
  BOOST_TEST(reference.size() > 2000u);
  BOOST_TEST_MESSAGE("Lpm4: " << reference.size() << " routes, " << table.node_count() << " nodes, "
                              << table.memory_bytes() << " bytes");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lpm6)

BOOST_AUTO_TEST_CASE(empty_table_and_default_route) {
  Lpm6 table;
  BOOST_TEST(table.lookup(v6("2001:db8::1")) == kNoRoute);
  BOOST_REQUIRE(table.insert(Bytes16{}, 0, 3));
  BOOST_TEST(table.lookup(v6("2001:db8::1")) == 3u);
  BOOST_TEST(table.lookup(v6("::")) == 3u);
  BOOST_TEST(table.lookup(v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) == 3u);
  BOOST_REQUIRE(table.insert(v6("2001:db8::"), 32, 4));
  BOOST_TEST(table.lookup(v6("2001:db8::1")) == 4u);
  BOOST_TEST(table.lookup(v6("2001:db9::1")) == 3u);
}

BOOST_AUTO_TEST_CASE(host_route_uses_all_fifteen_levels) {
  Lpm6 table;
  BOOST_REQUIRE(table.insert(v6("2001:db8:1:2:3:4:5:6"), 128, 8));
  BOOST_TEST(table.node_count() == 14u);
  BOOST_TEST(table.lookup(v6("2001:db8:1:2:3:4:5:6")) == 8u);
  BOOST_TEST(table.lookup(v6("2001:db8:1:2:3:4:5:7")) == kNoRoute);
  BOOST_TEST(table.lookup(v6("2001:db8:1:2:3:4:5:4006")) == kNoRoute);
  BOOST_TEST(table.lookup(v6("2001:db8::")) == kNoRoute);
  const auto address = v6("2001:db8:1:2:3:4:5:6");
  BOOST_TEST(table.lookup(address.data()) == 8u);
}

BOOST_AUTO_TEST_CASE(nested_prefixes_in_every_insertion_order) {
  struct Route {
    Bytes16 prefix;
    std::uint8_t length;
    std::uint32_t value;
  };
  const std::array<Route, 5> routes = {{{Bytes16{}, 0, 100},
                                        {v6("2001:db8::"), 32, 1},
                                        {v6("2001:db8:aa::"), 48, 2},
                                        {v6("2001:db8:aa:bb::"), 64, 3},
                                        {v6("2001:db8:aa:bb::1"), 128, 4}}};
  std::array<int, 5> order = {0, 1, 2, 3, 4};
  int permutations = 0;
  do {
    Lpm6 table;
    for (int i : order) {
      BOOST_REQUIRE(table.insert(routes[i].prefix, routes[i].length, routes[i].value));
    }
    BOOST_TEST(table.lookup(v6("2001:db8:aa:bb::1")) == 4u);
    BOOST_TEST(table.lookup(v6("2001:db8:aa:bb::2")) == 3u);
    BOOST_TEST(table.lookup(v6("2001:db8:aa:bc::1")) == 2u);
    BOOST_TEST(table.lookup(v6("2001:db8:ab:bb::1")) == 1u);
    BOOST_TEST(table.lookup(v6("2001:db9:aa:bb::1")) == 100u);
    ++permutations;
  } while (std::next_permutation(order.begin(), order.end()));
  BOOST_TEST(permutations == 120);
}

BOOST_AUTO_TEST_CASE(prefixes_at_stride_boundaries) {
  const Bytes16 address = v6("2a5c:93e7:0f41:b8d2:6c03:7a95:e1f8:4b6d");
  const std::array<int, 20> lengths = {0,  1,  7,  8,  9,  15, 16, 17,  23,  24,
                                       25, 31, 32, 33, 63, 64, 65, 120, 127, 128};
  for (int length : lengths) {
    BOOST_TEST_CONTEXT("length " << length) {
      Lpm6 table;
      BOOST_REQUIRE(table.insert(mask6(address, length), static_cast<std::uint8_t>(length), 9));
      BOOST_TEST(table.lookup(address) == 9u);
      BOOST_TEST(table.lookup(mask6(address, length)) == 9u);
      if (length > 0) BOOST_TEST(table.lookup(flip6(address, length - 1)) == kNoRoute);
    }
  }
  Lpm6 table;
  for (int length : lengths) {
    BOOST_REQUIRE(table.insert(mask6(address, length), static_cast<std::uint8_t>(length),
                               static_cast<std::uint32_t>(length)));
  }
  BOOST_TEST(table.lookup(address) == 128u);
  for (int position = 0; position < 128; ++position) {
    std::uint32_t expected = 0;
    for (int length : lengths) {
      if (length <= position) expected = std::max(expected, static_cast<std::uint32_t>(length));
    }
    BOOST_TEST(table.lookup(flip6(address, position)) == expected, "bit " << position);
  }
}

BOOST_AUTO_TEST_CASE(same_prefix_replaces_value) {
  Lpm6 table;
  BOOST_REQUIRE(table.insert(v6("2001:db8::"), 32, 1));
  BOOST_REQUIRE(table.insert(v6("2001:db8:0:1::"), 64, 2));
  BOOST_REQUIRE(table.insert(v6("2001:db8::"), 32, 5));
  BOOST_TEST(table.lookup(v6("2001:db8::9")) == 5u);
  BOOST_TEST(table.lookup(v6("2001:db8:0:1::9")) == 2u);
  BOOST_REQUIRE(table.insert(v6("2001:db8:0:1::"), 64, 6));
  BOOST_TEST(table.lookup(v6("2001:db8:0:1::9")) == 6u);
}

BOOST_AUTO_TEST_CASE(bad_routes_are_rejected_and_families_checked) {
  Lpm6 table;
  BOOST_TEST(!table.insert(v6("2001:db8::"), 129, 1).ok());
  BOOST_TEST(!table.insert(v6("2001:db8::1"), 64, 1).ok());  // host bits set
  BOOST_TEST(!table.insert(v6("2001:db8:8000::"), 32, 1).ok());
  BOOST_TEST(!table.insert(v6("2001:db8::"), 32, kNoRoute).ok());
  BOOST_TEST(!table.insert(prefix("10.0.0.0/8"), 1).ok());
  BOOST_TEST(table.node_count() == 0u);
  BOOST_REQUIRE(table.insert(prefix("2001:db8::/32"), 1));
  auto a = net::Address::parse("2001:db8::1");
  auto b = net::Address::parse("10.0.0.1");
  BOOST_REQUIRE((a && b));
  BOOST_TEST(table.lookup(*a) == 1u);
  BOOST_TEST(table.lookup(*b) == kNoRoute);
  table.clear();
  BOOST_TEST(table.lookup(*a) == kNoRoute);
}

BOOST_AUTO_TEST_CASE(random_routes_match_linear_reference) {
  std::mt19937_64 rng(0x3650'5254'4541ull);
  auto random_address = [&rng] {
    Bytes16 a;
    for (auto& byte : a)
      byte = static_cast<std::uint8_t>(rng());
    return a;
  };
  std::vector<Bytes16> bases(48);
  for (auto& base : bases)
    base = random_address();
  Lpm6 table;
  LinearReference<Bytes16> reference;
  std::vector<std::pair<Bytes16, int>> inserted;
  std::size_t checked = 0;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 1000; ++i) {
      Bytes16 base = bases[rng() % bases.size()];
      if (rng() % 4 == 0) base = random_address();
      int length = static_cast<int>(rng() % 129);
      if (!inserted.empty() && rng() % 10 == 0) {
        std::tie(base, length) = inserted[rng() % inserted.size()];
      }
      auto value = static_cast<std::uint32_t>(rng() % 100000);
      Bytes16 p = mask6(base, length);
      BOOST_REQUIRE(table.insert(p, static_cast<std::uint8_t>(length), value));
      reference.insert(p, length, value);
      inserted.emplace_back(p, length);
    }
    for (int i = 0; i < 4000; ++i) {
      Bytes16 address = random_address();
      if (i % 2 == 0) {  // inside an inserted prefix, random host bits
        auto [p, l] = inserted[rng() % inserted.size()];
        Bytes16 network = mask6(address, l);
        for (int b = 0; b < 16; ++b) {
          address[b] = static_cast<std::uint8_t>(p[b] | (address[b] ^ network[b]));
        }
      }
      std::uint32_t expected = reference.lookup(address, mask6);
      if (table.lookup(address) != expected) BOOST_TEST(table.lookup(address) == expected);
      ++checked;
    }
  }
  BOOST_TEST(checked == 12000u);
  BOOST_TEST(reference.size() > 2000u);
  BOOST_TEST_MESSAGE("Lpm6: " << reference.size() << " routes, " << table.node_count() << " nodes, "
                              << table.memory_bytes() << " bytes");
}

BOOST_AUTO_TEST_SUITE_END()
