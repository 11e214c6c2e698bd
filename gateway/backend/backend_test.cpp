#define BOOST_TEST_MODULE backend
#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <string>

#include "backend/backend.hpp"
#include "backend/queue_ports.hpp"
#include "net/address.hpp"

using namespace strait::backend;
using strait::net::Address;

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(backend_name(BackendKind::kXdp) == "AF_XDP");
  BOOST_TEST(backend_name(BackendKind::kAfPacket) == "AF_PACKET");
}

// The factory makes what the build has, and explains what it has not.
BOOST_AUTO_TEST_CASE(unavailable_backend_is_explained) {
  for (BackendKind kind : {BackendKind::kXdp, BackendKind::kAfPacket}) {
    auto backend = make_backend(kind);
    BOOST_TEST(backend.ok() == backend_available(kind));
    if (backend.ok()) {
      BOOST_TEST(((*backend)->kind() == kind));
      BOOST_TEST((*backend)->name() == backend_name(kind));
    } else {
      BOOST_TEST(backend.error().message.find(
                     "built without the " + std::string(backend_name(kind))) != std::string::npos);
    }
  }
}

// A gateway queue: the private port takes every frame, the public one the
// gateway's own traffic (its address and the key exchange's port).
BOOST_AUTO_TEST_CASE(queue_pair_spec_of_a_binding) {
  QueueBinding binding;
  binding.queue = 2;
  binding.protocol_port = 4303;
  binding.private_side = {"priv0", 1, *Address::parse("10.1.0.1")};
  binding.public_side = {"pub1", std::nullopt, *Address::parse("203.0.113.10")};
  for (BackendKind kind : {BackendKind::kXdp, BackendKind::kAfPacket}) {
    const PortPairSpec spec = queue_pair_spec(binding, kind);
    BOOST_TEST(spec.first.role == "private");
    BOOST_TEST(spec.first.ifname == "priv0");
    BOOST_TEST((spec.first.device_queue == std::optional<std::uint16_t>(1)));
    BOOST_TEST((spec.first.traffic == Traffic::kAll));
    BOOST_TEST(spec.second.role == "public");
    BOOST_TEST(spec.second.ifname == "pub1");
    BOOST_TEST(!spec.second.device_queue.has_value());
    BOOST_TEST((spec.second.traffic == Traffic::kOwn));
    BOOST_TEST_REQUIRE(spec.second.own_addresses.size() == 1u);
    BOOST_TEST((spec.second.own_addresses[0] == *Address::parse("203.0.113.10")));
    BOOST_TEST(spec.second.protocol_port == 4303);
    BOOST_TEST(spec.frame_size == 4096u);
    BOOST_TEST(spec.frame_count >= 4u * spec.ring_size);
    // AF_XDP rings are powers of two.
    BOOST_TEST((spec.ring_size & (spec.ring_size - 1)) == 0u);
  }
}

#if STRAIT_HAVE_AFPACKET
// A port that cannot be opened is named in the error, by role and
// interface, whatever the kernel refused (no such interface as root, no
// permission otherwise).
BOOST_AUTO_TEST_CASE(open_pair_names_the_port_it_cannot_open) {
  auto backend = make_backend(BackendKind::kAfPacket);
  BOOST_TEST_REQUIRE(backend.ok());
  PortPairSpec spec;
  spec.first.role = "A";
  spec.first.ifname = "nosuch-strait0";
  spec.second.role = "B";
  spec.second.ifname = "nosuch-strait1";
  spec.frame_size = 2048;
  spec.frame_count = 64;
  spec.ring_size = 16;
  auto pair = (*backend)->open_pair(spec);
  BOOST_TEST_REQUIRE(!pair.ok());
  BOOST_TEST(pair.error().message.starts_with("A interface nosuch-strait0: "),
             pair.error().message);

  QueueBinding binding;
  binding.private_side.ifname = "nosuch-strait0";
  binding.public_side.ifname = "nosuch-strait1";
  auto queue = (*backend)->open_queue(binding);
  BOOST_TEST_REQUIRE(!queue.ok());
  BOOST_TEST(queue.error().message.starts_with("private interface nosuch-strait0: "),
             queue.error().message);
}
#endif

BOOST_AUTO_TEST_CASE(hints_follow_the_kernel_s_cause_not_the_message_s_words) {
  const strait::base::Error denied{"private interface eth1: cannot open a packet socket", EPERM};
  BOOST_TEST(with_hint(denied, BackendKind::kAfPacket).message ==
             denied.message + " (AF_PACKET needs root or CAP_NET_RAW)");
  BOOST_TEST(with_hint(denied, BackendKind::kXdp).message.find("CAP_BPF") != std::string::npos);
  // The words alone decide nothing: no cause, no hint.
  const strait::base::Error worded{"Operation not permitted; XDP not supported", 0};
  BOOST_TEST(with_hint(worded, BackendKind::kXdp).message == worded.message);
  // AF_XDP refused by the driver: try AF_PACKET; a missing interface is
  // not a refusal.
  const strait::base::Error refused{"cannot attach", EOPNOTSUPP};
  BOOST_TEST(with_hint(refused, BackendKind::kXdp).message ==
             "cannot attach (the driver or kernel refused AF_XDP; try --af-packet)");
  BOOST_TEST(with_hint(refused, BackendKind::kAfPacket).message == refused.message);
  const strait::base::Error missing{"no interface eth9", ENODEV};
  BOOST_TEST(with_hint(missing, BackendKind::kXdp).message == missing.message);
  // The cause survives added context.
  BOOST_TEST(strait::base::in_context("queue 1: ", denied).system_error == EPERM);
  BOOST_TEST(strait::base::in_context("queue 1: ", denied).message == "queue 1: " + denied.message);
}
