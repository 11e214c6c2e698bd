// LiveGateway, the running gateway of `strait run`, on an in-memory
// backend: start-up (the first transaction of an empty gateway) and live
// reconfigurations build their queues through the same QueueFactory, and
// each queue built either way carries traffic on its worker thread. The
// backend records every queue it opens and closes, so the test sees which
// queues a transaction kept, rebuilt, added or removed.
#define BOOST_TEST_MODULE live_gateway
#include <stdlib.h>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "backend/memory_backend.hpp"
#include "base/clock.hpp"
#include "config/load.hpp"
#include "daemon/live_gateway.hpp"
#include "net/headers.hpp"
#include "testing/frame_view.hpp"
#include "testing/sample_sites.hpp"
#include "testing/wire_frames.hpp"

using namespace strait;
using namespace strait::testing;

namespace {

// The in-memory backend, refusing to open a chosen public interface; the
// test plays the network at the far ends of the queues it opened.
class TestBackend final : public backend::MemoryBackend {
 public:
  std::string refused_ifname;

  // The queues open now, by queue id, in the order opened.
  std::vector<std::uint16_t> open_queues() const {
    std::vector<std::uint16_t> ids;
    for (const auto& pair : open_pairs())
      ids.push_back(queue_of(pair));
    return ids;
  }
  FarEnds open_queue_ends(std::uint16_t queue) const {
    for (const auto& pair : open_pairs())
      if (queue_of(pair) == queue) return pair;
    throw std::runtime_error("queue " + std::to_string(queue) + " is not open");
  }
  // The private side's receive queue of the open queue `queue`.
  std::optional<std::uint16_t> private_device_queue(std::uint16_t queue) const {
    return open_queue_ends(queue).spec.first.device_queue;
  }

 protected:
  base::Result<std::unique_ptr<backend::PortPair>> do_open_pair(
      const backend::PortPairSpec& spec) override {
    if (spec.second.ifname == refused_ifname)
      return base::Error{"public interface " + spec.second.ifname + ": refused"};
    return MemoryBackend::do_open_pair(spec);
  }

 private:
  // Queues are told apart by their public interface: wan0 is queue 1's,
  // wan1 queue 2's (sample_sites.hpp).
  static std::uint16_t queue_of(const FarEnds& pair) {
    return static_cast<std::uint16_t>(std::stoi(pair.spec.second.ifname.substr(3)) + 1);
  }
};

const Site kParis = paris(net::Family::kIpv4);
const Site kTokyo = tokyo(net::Family::kIpv4);

config::GatewayConfig load(const std::string& text) {
  auto config = config::load(text, "test.conf");
  if (!config) throw std::runtime_error(config.error().message);
  return std::move(config).value();
}

// Paris's data-plane gateway with `queues` public interfaces.
config::GatewayConfig paris_config(std::uint16_t queues, const std::string& extra = {}) {
  SiteOptions options;
  options.queues = queues;
  options.extra = extra;
  return load(site_config(kParis, kTokyo, options));
}

// Polls `port` (the test's end) until a frame arrives, for at most 5 s
// (the worker runs on its own thread).
std::vector<Bytes> wait_for_frames(io::MemoryPort& port) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::vector<Bytes> frames;
  while (frames.empty() && std::chrono::steady_clock::now() < deadline) {
    frames = drain(port);
    if (frames.empty()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return frames;
}

// The queue answers a ping to the gateway's private address and tunnels a
// datagram to tokyo's LAN as ESP on its public port.
void check_carries_traffic(const TestBackend& backend, std::uint16_t queue) {
  BOOST_TEST_CONTEXT("queue " << queue) {
    const auto ends = backend.open_queue_ends(queue);
    inject(*ends.first, *ends.pool,
           lan_frame(kParis, echo_request(kParis.host_ip, kParis.private_ip, 7, queue, {1, 2, 3})));
    const auto replies = wait_for_frames(*ends.first);
    BOOST_TEST_REQUIRE(replies.size() == 1u);
    const auto ip = parse_ip_frame(replies[0]);
    BOOST_TEST_REQUIRE(ip.has_value());
    BOOST_TEST((ip->source == kParis.private_ip));
    BOOST_TEST((ip->destination == kParis.host_ip));
    const auto icmp = parse_icmp(*ip);
    BOOST_TEST_REQUIRE(icmp.has_value());
    BOOST_TEST(icmp->type == 0);  // echo reply

    inject(*ends.first, *ends.pool, lan_frame(kParis, host_datagram(kParis, kTokyo, 64)));
    const auto tunnelled = wait_for_frames(*ends.second);
    BOOST_TEST_REQUIRE(tunnelled.size() == 1u);
    const auto esp = parse_ip_frame(tunnelled[0]);
    BOOST_TEST_REQUIRE(esp.has_value());
    BOOST_TEST(esp->protocol == 50);
    BOOST_TEST((esp->source == (queue == 1 ? kParis.public_ip : kParis.public_ip2)));
  }
}

struct Fixture {
  Fixture() {
    daemon::LiveGatewayOptions options;
    options.config_path = "test.conf";
    auto created = daemon::LiveGateway::create(options, backend, clock);
    if (!created) throw std::runtime_error(created.error().message);
    gateway = std::move(created).value();
  }
  TestBackend backend;
  base::SystemClock clock;
  std::unique_ptr<daemon::LiveGateway> gateway;
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(start_up_and_reconfiguration_build_queues_the_same_way, Fixture) {
  // Empty until the first transaction.
  BOOST_TEST(gateway->queue_ids().empty());
  BOOST_TEST(backend.opened() == 0u);

  // Start-up: the configuration file as the first transaction.
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
  BOOST_TEST((gateway->queue_ids() == std::vector<std::uint16_t>{1}));
  BOOST_TEST((backend.open_queues() == std::vector<std::uint16_t>{1}));
  BOOST_TEST(!backend.private_device_queue(1).has_value());  // the whole private interface
  check_carries_traffic(backend, 1);

  // A second public interface: queue 2 is added, and queue 1 rebuilt, for
  // it now serves only the private interface's receive queue 0.
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(2)).ok());
  BOOST_TEST((gateway->queue_ids() == std::vector<std::uint16_t>{1, 2}));
  BOOST_TEST(backend.opened() == 3u);
  BOOST_TEST((backend.open_queues() == std::vector<std::uint16_t>{1, 2}));
  BOOST_TEST((backend.private_device_queue(1) == std::uint16_t{0}));
  BOOST_TEST((backend.private_device_queue(2) == std::uint16_t{1}));
  check_carries_traffic(backend, 1);
  check_carries_traffic(backend, 2);

  // A route more: both queues are reconfigured in place, nothing reopened.
  const std::string more = "route4 { id more; net 10.77.0.0/16; gateway { ip " +
                           kTokyo.public_ip.to_string() + "; } preshared-key \"" +
                           std::string(64, '7') + "\"; spi 4321; }\n";
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(2, more)).ok());
  BOOST_TEST(backend.opened() == 3u);
  BOOST_TEST((backend.open_queues() == std::vector<std::uint16_t>{1, 2}));
  check_carries_traffic(backend, 2);

  // Back to one queue: queue 2 removed, queue 1 rebuilt for the whole
  // private interface again.
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
  BOOST_TEST((gateway->queue_ids() == std::vector<std::uint16_t>{1}));
  BOOST_TEST(backend.opened() == 4u);
  BOOST_TEST((backend.open_queues() == std::vector<std::uint16_t>{1}));
  BOOST_TEST(!backend.private_device_queue(1).has_value());
  check_carries_traffic(backend, 1);
}

BOOST_FIXTURE_TEST_CASE(a_failed_transaction_changes_nothing, Fixture) {
  // A first transaction that fails leaves the gateway empty.
  backend.refused_ifname = "wan0";
  auto refused = gateway->apply(paris_config(1));
  BOOST_TEST_REQUIRE(!refused.ok());
  BOOST_TEST(refused.error().message == "queue 1: public interface wan0: refused");
  BOOST_TEST(gateway->queue_ids().empty());

  backend.refused_ifname.clear();
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
  // Queue 2 cannot be opened: queue 1, which would have been rebuilt for
  // its new share of the private interface, runs on untouched.
  backend.refused_ifname = "wan1";
  BOOST_TEST(!gateway->apply(paris_config(2)).ok());
  BOOST_TEST((backend.open_queues() == std::vector<std::uint16_t>{1}));
  BOOST_TEST(backend.opened() == 2u);  // the rebuilt queue 1, opened and closed again
  BOOST_TEST(!backend.private_device_queue(1).has_value());  // the queue 1 that ran before
  check_carries_traffic(backend, 1);

  // What needs a restart is refused by name.
  SiteOptions key_exchange = key_exchange_options();
  auto changed = gateway->apply(load(site_config(kParis, kTokyo, key_exchange)));
  BOOST_TEST_REQUIRE(!changed.ok());
  BOOST_TEST(changed.error().message == "changing data-plane needs a restart of the gateway");
  BOOST_TEST(backend.opened() == 2u);
}

BOOST_FIXTURE_TEST_CASE(rebuild_causes_are_typed_and_described, Fixture) {
  using Kind = daemon::RebuildCause::Kind;
  BOOST_TEST(daemon::describe({Kind::kAdded, std::nullopt}) == "added");
  BOOST_TEST(daemon::describe({Kind::kPublicInterface, config::InterfaceField::kIp}) ==
             "public-interface ip changed");
  BOOST_TEST(daemon::describe({Kind::kPrivateInterface, config::InterfaceField::kIfname}) ==
             "private-interface ifname changed");
  BOOST_TEST(daemon::describe({Kind::kPrivateShare, std::nullopt})
                 .starts_with("its share of the private interface changed"));
}

namespace {

// Tunnels a datagram through queue `queue` and returns the sequence number
// (low 32 bits, from the ESP header) it went out with.
std::uint32_t tunnelled_sequence(const TestBackend& backend, std::uint16_t queue) {
  const auto ends = backend.open_queue_ends(queue);
  inject(*ends.first, *ends.pool, lan_frame(kParis, host_datagram(kParis, kTokyo, 64)));
  const auto tunnelled = wait_for_frames(*ends.second);
  BOOST_TEST_REQUIRE(tunnelled.size() == 1u);
  const auto esp = parse_ip_frame(tunnelled[0]);
  BOOST_TEST_REQUIRE(esp.has_value());
  BOOST_TEST_REQUIRE(esp->protocol == 50);
  BOOST_TEST_REQUIRE(esp->payload.size() >= 8u);
  return net::load32(esp->payload.data() + 4);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_rebuilt_queue_goes_on_above_its_static_sas_sequence_numbers, Fixture) {
  // The GCM nonce is salt || sequence number: a queue built again with the
  // same static SA (key and salt) must not start again at 1.
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
  BOOST_TEST(tunnelled_sequence(backend, 1) == 1u);
  BOOST_TEST(tunnelled_sequence(backend, 1) == 2u);
  // Queue 1 rebuilt (its share of the private interface), queue 2 added.
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(2)).ok());
  BOOST_TEST(backend.opened() == 3u);
  BOOST_TEST(tunnelled_sequence(backend, 1) == 3u);
  BOOST_TEST(tunnelled_sequence(backend, 2) == 1u);
  // Queue 2 removed, queue 1 rebuilt again; then queue 2 added back.
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
  BOOST_TEST(tunnelled_sequence(backend, 1) == 4u);
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(2)).ok());
  BOOST_TEST(tunnelled_sequence(backend, 1) == 5u);
  BOOST_TEST(tunnelled_sequence(backend, 2) == 2u);
}

namespace {

struct TempDir {
  TempDir() {
    char name[] = "/tmp/strait-live-gateway-XXXXXX";
    if (mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = name;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

// A gateway of `backend` that keeps its static SAs' sequence numbers in
// `file`, reserving `block` at a time.
std::unique_ptr<daemon::LiveGateway> gateway_with_sequences(TestBackend& backend,
                                                            const base::Clock& clock,
                                                            const std::string& file,
                                                            std::uint64_t block) {
  daemon::LiveGatewayOptions options;
  options.config_path = "test.conf";
  options.sequence_file = file;
  options.sequence_block = block;
  auto created = daemon::LiveGateway::create(options, backend, clock);
  if (!created) throw std::runtime_error(created.error().message);
  return std::move(created).value();
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_restarted_gateway_numbers_its_static_sas_above_the_last_run) {
  TempDir dir;
  const std::string file = dir.path + "/static-sa-sequences";
  base::SystemClock clock;
  for (int run = 0; run < 3; ++run) {
    BOOST_TEST_CONTEXT("run " << run) {
      TestBackend backend;
      auto gateway = gateway_with_sequences(backend, clock, file, 1000);
      BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
      // Every run starts where the last one's reservation ended.
      const std::uint32_t first = 1 + 1000 * run;
      BOOST_TEST(tunnelled_sequence(backend, 1) == first);
      BOOST_TEST(tunnelled_sequence(backend, 1) == first + 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(static_sas_get_the_next_block_before_their_limit_and_stop_at_it) {
  TempDir dir;
  const std::string file = dir.path + "/static-sa-sequences";
  base::SystemClock clock;
  TestBackend backend;
  auto gateway = gateway_with_sequences(backend, clock, file, 8);
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());  // 1 .. 8 reserved
  for (std::uint32_t s = 1; s <= 3; ++s)
    BOOST_TEST(tunnelled_sequence(backend, 1) == s);
  // Next 4, limit 9: more than half a block left, nothing to do.
  BOOST_TEST_REQUIRE(gateway->extend_sequence_reservations().ok());
  const esp::KeyFingerprint fingerprint =
      esp::key_fingerprint(kParis.outbound.key, kParis.outbound.salt);
  BOOST_TEST(gateway->sequence_file()->limit(fingerprint) == 9u);
  BOOST_TEST(tunnelled_sequence(backend, 1) == 4u);
  // Next 5: within half a block, the next one is reserved.
  BOOST_TEST_REQUIRE(gateway->extend_sequence_reservations().ok());
  BOOST_TEST(gateway->sequence_file()->limit(fingerprint) == 17u);
  for (std::uint32_t s = 5; s <= 16; ++s)
    BOOST_TEST(tunnelled_sequence(backend, 1) == s);
  // Nothing reserved the next block: at the limit the SA stops, and counts.
  const auto ends = backend.open_queue_ends(1);
  inject(*ends.first, *ends.pool, lan_frame(kParis, host_datagram(kParis, kTokyo, 64)));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  BOOST_TEST(drain(*ends.second).empty());
  BOOST_TEST(gateway->sequence_exhausted_drops().value() == 1u);
  // Reserved at last: it goes on where it stopped.
  BOOST_TEST_REQUIRE(gateway->extend_sequence_reservations().ok());
  BOOST_TEST(gateway->sequence_file()->limit(fingerprint) == 25u);
  BOOST_TEST(tunnelled_sequence(backend, 1) == 17u);
  // The next run starts above everything reserved.
  gateway.reset();
  TestBackend next_backend;
  auto next = gateway_with_sequences(next_backend, clock, file, 8);
  BOOST_TEST_REQUIRE(next->apply(paris_config(1)).ok());
  BOOST_TEST(tunnelled_sequence(next_backend, 1) == 25u);
}

BOOST_AUTO_TEST_CASE(a_gateway_that_cannot_reserve_sequence_numbers_does_not_start) {
  TempDir dir;
  base::SystemClock clock;
  TestBackend backend;
  auto gateway = gateway_with_sequences(backend, clock, dir.path + "/gone/static-sa-sequences", 8);
  const base::Status applied = gateway->apply(paris_config(1));
  BOOST_TEST_REQUIRE(!applied.ok());
  BOOST_TEST(applied.error().message.starts_with(
      "cannot reserve sequence numbers for the static SAs (outbound-sa)"));
  BOOST_TEST(gateway->queue_ids().empty());
  BOOST_TEST(backend.opened() == 0u);
}

// NAT traversal (docs/NAT-TRAVERSAL.md): the first route with
// udp-encapsulation rebuilds the queue (its public port must take the
// NAT-traversal port: the XDP filter), which then tunnels in UDP; the
// keepalive interval changes in place; the last one off rebuilds it again.
BOOST_FIXTURE_TEST_CASE(nat_traversal_on_and_off_rebuilds_the_queue, Fixture) {
  const auto tunnelled_protocol = [&] {
    const auto ends = backend.open_queue_ends(1);
    inject(*ends.first, *ends.pool, lan_frame(kParis, host_datagram(kParis, kTokyo, 64)));
    const auto frames = wait_for_frames(*ends.second);
    BOOST_TEST_REQUIRE(frames.size() == 1u);
    const auto ip = parse_ip_frame(frames[0]);
    BOOST_TEST_REQUIRE(ip.has_value());
    return ip->protocol;
  };
  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
  BOOST_TEST(backend.opened() == 1u);
  BOOST_TEST(backend.open_queue_ends(1).spec.second.nat_port == 0);
  BOOST_TEST(tunnelled_protocol() == net::kProtocolEsp);

  SiteOptions nat;
  nat.udp_encapsulation = true;
  BOOST_TEST_REQUIRE(gateway->apply(load(site_config(kParis, kTokyo, nat))).ok());
  BOOST_TEST(backend.opened() == 2u);
  BOOST_TEST(backend.open_queue_ends(1).spec.second.nat_port == 4500);
  BOOST_TEST(tunnelled_protocol() == net::kProtocolUdp);

  nat.extra = "nat-traversal { keepalive-interval 7; }\n";
  BOOST_TEST_REQUIRE(gateway->apply(load(site_config(kParis, kTokyo, nat))).ok());
  BOOST_TEST(backend.opened() == 2u);
  BOOST_TEST(tunnelled_protocol() == net::kProtocolUdp);

  BOOST_TEST_REQUIRE(gateway->apply(paris_config(1)).ok());
  BOOST_TEST(backend.opened() == 3u);
  BOOST_TEST(backend.open_queue_ends(1).spec.second.nat_port == 0);
  BOOST_TEST(tunnelled_protocol() == net::kProtocolEsp);
}
