// lpm_bench: nanoseconds per lookup and memory of Lpm4/Lpm6 for 1, 40 and
// 10,000 random routes. Not a test: run by hand, e.g.
//   build/gateway/route/lpm_bench
// "independent" lookups may overlap in the CPU (throughput of a packet batch);
// "dependent" lookups each wait for the previous result (latency).
// Addresses are either uniformly random or inside a random inserted route.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

#include "route/lpm4.hpp"
#include "route/lpm6.hpp"
#include "route/prefix_mask.hpp"

using namespace strait::route;
using namespace strait::route::test;

namespace {

constexpr std::size_t kLookups = std::size_t{1} << 20;
constexpr int kRuns = 9;

volatile std::uint32_t sink;

template <class Body>
double median_ns_per_lookup(Body body) {
  std::array<double, kRuns> ns{};
  for (auto& run : ns) {
    auto start = std::chrono::steady_clock::now();
    sink = body();
    auto stop = std::chrono::steady_clock::now();
    run = std::chrono::duration<double, std::nano>(stop - start).count() / double(kLookups);
  }
  std::sort(ns.begin(), ns.end());
  return ns[kRuns / 2];
}

void bench4(std::size_t routes, std::mt19937_64& rng) {
  Lpm4 table;
  std::vector<std::pair<std::uint32_t, int>> inserted;
  for (std::size_t i = 0; i < routes; ++i) {
    int length = 8 + static_cast<int>(rng() % 25);  // /8../32
    std::uint32_t prefix = mask4(static_cast<std::uint32_t>(rng()), length);
    if (!table.insert(prefix, static_cast<std::uint8_t>(length), static_cast<std::uint32_t>(i))) {
      std::fprintf(stderr, "insert failed\n");
      return;
    }
    inserted.emplace_back(prefix, length);
  }
  table.shrink_to_fit();
  std::vector<std::uint32_t> uniform(kLookups), inside(kLookups);
  for (auto& a : uniform)
    a = static_cast<std::uint32_t>(rng());
  for (auto& a : inside) {
    auto [p, l] = inserted[rng() % inserted.size()];
    a = p | (static_cast<std::uint32_t>(rng()) & ~mask4(0xFFFF'FFFFu, l));
  }
  for (const auto* set : {&uniform, &inside}) {
    const auto& addresses = *set;
    double independent = median_ns_per_lookup([&] {
      std::uint32_t sum = 0;
      for (std::uint32_t a : addresses)
        sum += table.lookup(a);
      return sum;
    });
    double dependent = median_ns_per_lookup([&] {
      std::uint32_t r = 0;
      for (std::uint32_t a : addresses)
        r = table.lookup(a ^ (r >> 31));  // r < 2^31 always
      return r;
    });
    std::printf(
        "ipv4 %6zu routes  %-7s  independent %6.2f ns  dependent %6.2f ns  %9zu bytes  %6zu "
        "nodes\n",
        routes, set == &uniform ? "uniform" : "inside", independent, dependent,
        table.memory_bytes(), table.node_count());
  }
}

void bench6(std::size_t routes, std::mt19937_64& rng) {
  Lpm6 table;
  auto random_address = [&rng] {
    Bytes16 a;
    for (auto& byte : a)
      byte = static_cast<std::uint8_t>(rng());
    a[0] = static_cast<std::uint8_t>(0x20 | (a[0] & 0x1F));  // 2000::/3
    return a;
  };
  std::vector<std::pair<Bytes16, int>> inserted;
  for (std::size_t i = 0; i < routes; ++i) {
    int length = rng() % 10 == 0 ? 128 : 16 + static_cast<int>(rng() % 49);  // /16../64, /128
    Bytes16 prefix = mask6(random_address(), length);
    if (!table.insert(prefix, static_cast<std::uint8_t>(length), static_cast<std::uint32_t>(i))) {
      std::fprintf(stderr, "insert failed\n");
      return;
    }
    inserted.emplace_back(prefix, length);
  }
  table.shrink_to_fit();
  std::vector<Bytes16> uniform(kLookups), inside(kLookups);
  for (auto& a : uniform)
    a = random_address();
  for (auto& a : inside) {
    auto [p, l] = inserted[rng() % inserted.size()];
    Bytes16 r = random_address();
    Bytes16 network = mask6(r, l);
    for (int b = 0; b < 16; ++b)
      a[b] = static_cast<std::uint8_t>(p[b] | (r[b] ^ network[b]));
  }
  for (const auto* set : {&uniform, &inside}) {
    const auto& addresses = *set;
    double independent = median_ns_per_lookup([&] {
      std::uint32_t sum = 0;
      for (const auto& a : addresses)
        sum += table.lookup(a);
      return sum;
    });
    double dependent = median_ns_per_lookup([&] {
      std::uint32_t r = 0;
      for (const auto& a : addresses)
        r = table.lookup(a.data() + (r >> 31));  // r < 2^31 always
      return r;
    });
    std::printf(
        "ipv6 %6zu routes  %-7s  independent %6.2f ns  dependent %6.2f ns  %9zu bytes  %6zu "
        "nodes\n",
        routes, set == &uniform ? "uniform" : "inside", independent, dependent,
        table.memory_bytes(), table.node_count());
  }
}

}  // namespace

int main() {
  std::mt19937_64 rng(20240601);
  std::printf("median of %d runs of %zu lookups each\n", kRuns, kLookups);
  for (std::size_t routes : {std::size_t{1}, std::size_t{40}, std::size_t{10000}})
    bench4(routes, rng);
  for (std::size_t routes : {std::size_t{1}, std::size_t{40}, std::size_t{10000}})
    bench6(routes, rng);
  return 0;
}
