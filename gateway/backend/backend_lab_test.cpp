#define BOOST_TEST_MODULE backend_lab
// Lab tests of what the backends ask of an interface (issue 13, fault 2):
// a gateway queue's ports never make it promiscuous, an IPv6 port joins
// the all-nodes and solicited-node groups of its address (the NIC filters
// the rest), a gateway MAC that is not the interface's is added as a
// unicast address, all until the ports close; strait wan's ports make it
// promiscuous. Two veth pairs inside one namespace. Root only: skipped
// (exit 77) without root or the tools the namespaces need.
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <string>
#include <type_traits>

#include "backend/backend.hpp"
#include "backend/queue_ports.hpp"
#include "net/address.hpp"
#include "testing/netns_pair.hpp"
#include "testing/skip.hpp"

using namespace strait;
using namespace strait::backend;
using testing::NetnsPair;

namespace {

struct Requirements {
  Requirements() { testing::skip_unless_lab({"ip", "ethtool", "bridge"}); }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

// What `open` (run inside `netns`) opens; the test case stops, with the
// error, if it cannot.
template <class Open>
auto open_in(const std::string& netns, Open open) {
  std::remove_cvref_t<decltype(*open())> held;
  std::string error;
  NetnsPair::run_in(netns, [&] {
    auto opened = open();
    if (opened.ok())
      held = std::move(opened).value();
    else
      error = opened.error().message;
  });
  BOOST_TEST_REQUIRE(held != nullptr, error);
  return held;
}

std::string output_of(const std::string& command) {
  std::string out;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    out += buffer;
  pclose(pipe);
  return out;
}

// Two veth ends in the namespace of `pair.a()`: its own and a second pair's.
struct OneNamespace {
  NetnsPair pair;
  std::string netns = pair.a().netns;
  std::string first = pair.a().ifname;
  std::string second = "slbk" + std::to_string(getpid() % 100000);

  OneNamespace() {
    NetnsPair::exec_in(netns, "ip link add " + second + " type veth peer name " + second + "p");
    NetnsPair::exec_in(netns, "ip link set " + second + " up");
    NetnsPair::exec_in(netns, "ip link set " + second + "p up");
  }

  unsigned promiscuity(const std::string& ifname) const {
    const std::string text = output_of("ip -n " + netns + " -d link show " + ifname);
    const auto at = text.find("promiscuity ");
    BOOST_REQUIRE_MESSAGE(at != std::string::npos, text);
    return static_cast<unsigned>(std::stoul(text.substr(at + 12)));
  }
  std::string groups(const std::string& ifname) const {
    return output_of("ip -n " + netns + " maddr show dev " + ifname);
  }
  // The interface's unicast and multicast address lists.
  std::string addresses(const std::string& ifname) const {
    return output_of("ip netns exec " + netns + " bridge fdb show dev " + ifname);
  }
  net::Mac mac_of(const std::string& ifname) const {
    const std::string text = output_of("ip -n " + netns + " link show " + ifname);
    const auto at = text.find("link/ether ");
    BOOST_REQUIRE(at != std::string::npos);
    return *net::Mac::parse(text.substr(at + 11, 17));
  }
};

std::vector<BackendKind> kernel_backends() {
  std::vector<BackendKind> kinds;
  for (BackendKind kind : {BackendKind::kAfPacket, BackendKind::kXdp})
    if (backend_available(kind)) kinds.push_back(kind);
  return kinds;
}

}  // namespace

BOOST_AUTO_TEST_CASE(gateway_ports_are_not_promiscuous_and_join_the_groups_they_need) {
  for (const BackendKind kind : kernel_backends()) {
    BOOST_TEST_CONTEXT(backend_name(kind)) {
      OneNamespace ns;
      auto backend = make_backend(kind);
      BOOST_TEST_REQUIRE(backend.ok());
      QueueBinding binding;
      // The gateway's MACs are the interfaces' (as the lab sets them).
      binding.private_side = {ns.first, std::nullopt, *net::Address::parse("2001:db8:1::1"),
                              ns.mac_of(ns.first)};
      binding.public_side = {ns.second, std::nullopt, *net::Address::parse("2001:db8:100::a:b0c"),
                             ns.mac_of(ns.second)};
      BOOST_TEST(ns.groups(ns.first).find("33:33:ff:00:00:01") == std::string::npos);
      std::unique_ptr<QueuePorts> ports =
          open_in(ns.netns, [&] { return (*backend)->open_queue(binding); });
      BOOST_TEST(ns.promiscuity(ns.first) == 0u);
      BOOST_TEST(ns.promiscuity(ns.second) == 0u);
      const std::string lan = ns.groups(ns.first), wan = ns.groups(ns.second);
      BOOST_TEST(lan.find("link  33:33:ff:00:00:01") != std::string::npos, lan);
      BOOST_TEST(lan.find("link  33:33:00:00:00:01") != std::string::npos, lan);
      BOOST_TEST(wan.find("link  33:33:ff:0a:0b:0c") != std::string::npos, wan);
      BOOST_TEST(wan.find("link  33:33:00:00:00:01") != std::string::npos, wan);
      ports.reset();
      BOOST_TEST(ns.groups(ns.first).find("33:33:ff:00:00:01") == std::string::npos);
      BOOST_TEST(ns.groups(ns.second).find("33:33:ff:0a:0b:0c") == std::string::npos);

      // IPv4: no group, not promiscuous either (the kernel joins all-nodes
      // itself on an interface that is up).
      binding.private_side.address = *net::Address::parse("10.1.0.1");
      binding.public_side.address = *net::Address::parse("192.0.2.1");
      ports = open_in(ns.netns, [&] { return (*backend)->open_queue(binding); });
      BOOST_TEST(ns.promiscuity(ns.first) == 0u);
      BOOST_TEST(ns.promiscuity(ns.second) == 0u);
      BOOST_TEST(ns.groups(ns.first).find("33:33:ff") == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_promiscuous_pair_is_promiscuous_while_open) {
  for (const BackendKind kind : kernel_backends()) {
    BOOST_TEST_CONTEXT(backend_name(kind)) {
      OneNamespace ns;
      auto backend = make_backend(kind);
      BOOST_TEST_REQUIRE(backend.ok());
      PortPairSpec spec;
      spec.first.role = "A";
      spec.first.ifname = ns.first;
      spec.second.role = "B";
      spec.second.ifname = ns.second;
      spec.first.promiscuous = spec.second.promiscuous = true;
      spec.frame_size = 2048;
      spec.frame_count = 4096;
      spec.ring_size = 256;
      std::unique_ptr<PortPair> pair =
          open_in(ns.netns, [&] { return (*backend)->open_pair(spec); });
      BOOST_TEST(ns.promiscuity(ns.first) == 1u);
      BOOST_TEST(ns.promiscuity(ns.second) == 1u);
      pair.reset();
      BOOST_TEST(ns.promiscuity(ns.first) == 0u);
      BOOST_TEST(ns.promiscuity(ns.second) == 0u);
    }
  }
}

// A gateway MAC (configured, or derived from its address) that is not the
// interface's: the kernel is asked to take it as a second unicast address
// (a driver without unicast filtering, veth among them, turns promiscuous
// for it: the kernel's choice, not the gateway's).
BOOST_AUTO_TEST_CASE(a_gateway_mac_that_is_not_the_interfaces_is_added_while_open) {
  for (const BackendKind kind : kernel_backends()) {
    BOOST_TEST_CONTEXT(backend_name(kind)) {
      OneNamespace ns;
      auto backend = make_backend(kind);
      BOOST_TEST_REQUIRE(backend.ok());
      QueueBinding binding;
      binding.private_side = {ns.first, std::nullopt, *net::Address::parse("10.1.0.1"),
                              *net::Mac::parse("2a:bb:0a:01:00:01")};
      binding.public_side = {ns.second, std::nullopt, *net::Address::parse("192.0.2.1"),
                             ns.mac_of(ns.second)};
      std::unique_ptr<QueuePorts> ports =
          open_in(ns.netns, [&] { return (*backend)->open_queue(binding); });
      const std::string lan = ns.addresses(ns.first);
      BOOST_TEST(lan.find("2a:bb:0a:01:00:01 self permanent") != std::string::npos, lan);
      BOOST_TEST(ns.promiscuity(ns.second) == 0u);
      ports.reset();
      BOOST_TEST(ns.addresses(ns.first).find("2a:bb:0a:01:00:01") == std::string::npos);
      BOOST_TEST(ns.promiscuity(ns.first) == 0u);
    }
  }
}
