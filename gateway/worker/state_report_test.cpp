#define BOOST_TEST_MODULE state_report
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/load.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "keymanager/datagram.hpp"
#include "net/headers.hpp"
#include "worker/state_report.hpp"

using namespace strait;

namespace {

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct TwoQueues {
  std::unique_ptr<io::FramePool> pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire private1{*pool}, private2{*pool}, public1{*pool}, public2{*pool};
  base::ManualClock clock;
  base::SeededRandom random{1};
  config::GatewayConfig config;
  std::unique_ptr<worker::Worker> w1, w2;

  TwoQueues() {
    auto loaded = config::load_file(std::string(STRAIT_SOURCE_DIR) +
                                    "/gateway/config/testdata/vita-data-plane.conf");
    BOOST_REQUIRE_MESSAGE(loaded.ok(), (loaded.ok() ? std::string() : loaded.error().message));
    config = *loaded;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(names_follow_the_schema_and_secrets_stay_out) {
  TwoQueues t;
  auto w = worker::Worker::create(t.config, t.config.public_interfaces.front().queue,
                                  t.private1.b(), t.public1.b(), t.clock, t.random);
  BOOST_REQUIRE_MESSAGE(w.ok(), (w.ok() ? std::string() : w.error().message));
  const worker::Worker* workers[] = {w->get()};
  const std::string state = worker::render_gateway_state(workers);
  for (const char* container :
       {"private-interface {", "public-interface {", "private-next-hop {", "public-next-hop {",
        "private-dispatch {", "public-dispatch {", "private-router {", "public-router {",
        "private-icmp4 {", "public-icmp4 {", "inbound-icmp4 {", "key-manager {", "worker {",
        "inbound-sa {", "sa-state {"})
    BOOST_TEST(state.find(container) != std::string::npos, container);
  for (const char* counter :
       {"rxbytes 0;", "txbcast 0;", "arp-requests 0;", "ethertype-errors 0;", "fragment-errors 0;",
        "checksum-errors 0;", "mac-errors 0;", "route-errors 0;", "mtu-errors 0;",
        "transit-ttl-exceeded 0;", "fragment-reassembly-time-exceeded 0;", "redirect-tos-host 0;",
        "echo-request 0;", "decrypt-errors 0;", "negotiations-initiated 0;",
        "outbound-sa-updated 0;", "public-key-errors 0;", "link-drops 0;", "sa-install-errors 0;"})
    BOOST_TEST(state.find(counter) != std::string::npos, counter);
  // No key or salt of any SA appears.
  const std::string text =
      read(std::string(STRAIT_SOURCE_DIR) + "/gateway/config/testdata/vita-data-plane.conf");
  std::smatch m;
  std::string rest = text;
  const std::regex hex("(key|salt) \"?([0-9a-fA-F ]{8,})\"?;");
  int secrets = 0;
  while (std::regex_search(rest, m, hex)) {
    std::string digits;
    for (char c : m[2].str())
      if (c != ' ') digits += static_cast<char>(std::tolower(c));
    BOOST_TEST(state.find(digits.substr(0, 8)) == std::string::npos);
    ++secrets;
    rest = m.suffix();
  }
  BOOST_TEST(secrets > 0);
}

BOOST_AUTO_TEST_CASE(counters_are_summed_over_queues) {
  TwoQueues t;
  // Two workers of the same configuration on different ports (queue ids
  // reused: the report only sums what the workers counted).
  const auto queue = t.config.public_interfaces.front().queue;
  auto a =
      worker::Worker::create(t.config, queue, t.private1.b(), t.public1.b(), t.clock, t.random);
  auto b =
      worker::Worker::create(t.config, queue, t.private2.b(), t.public2.b(), t.clock, t.random);
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  // One frame of unknown ethertype into each private port (for the
  // interface's MAC).
  for (io::MemoryWire* wire : {&t.private1, &t.private2}) {
    io::Packet* p = t.pool->allocate();
    std::memset(p->data, 0, 60);
    std::memcpy(p->data, t.config.private_interface.mac.bytes.data(), 6);
    p->data[12] = 0x88;
    p->data[13] = 0xb5;
    p->length = 60;
    io::Packet* batch[] = {p};
    wire->a().transmit(batch);
  }
  (*a)->poll();
  (*b)->poll();
  const worker::Worker* workers[] = {a->get(), b->get()};
  const std::string state = worker::render_gateway_state(workers);
  const auto dispatch = state.find("private-dispatch {");
  BOOST_REQUIRE(dispatch != std::string::npos);
  BOOST_TEST(state.find("ethertype-errors 2;", dispatch) < state.find("}", dispatch));
  BOOST_TEST(state.find("rxpackets 2;") < state.find("public-interface {"));
}

BOOST_AUTO_TEST_CASE(sas_report_their_packets) {
  TwoQueues t;
  auto w = worker::Worker::create(t.config, t.config.public_interfaces.front().queue,
                                  t.private1.b(), t.public1.b(), t.clock, t.random);
  BOOST_REQUIRE(w.ok());
  const worker::Worker* workers[] = {w->get()};
  const std::string state = worker::render_gateway_state(workers);
  // Appended after the schema's leaves: the existing lines stay as they were.
  const auto inbound = state.find("  inbound-sa {\n    spi ");
  BOOST_REQUIRE(inbound != std::string::npos);
  const auto sa_state_end = state.find("    }\n", inbound);
  BOOST_TEST(state.find("    highest-sequence 0;\n", inbound) == sa_state_end + 6);
  const auto outbound = state.find("  outbound-sa {\n    route ");
  BOOST_REQUIRE(outbound != std::string::npos);
  BOOST_TEST(outbound > state.rfind("  inbound-sa {"));
  BOOST_TEST(state.find("    packets 0;\n", outbound) != std::string::npos);
  // The configuration's static SAs have no negotiated lifetime.
  BOOST_TEST(state.find("    age ") == std::string::npos);
}

namespace {

// The `worker` container of a gateway-state document.
std::string worker_container(const std::string& state) {
  const auto begin = state.find("\n  worker {\n");
  if (begin == std::string::npos) return {};
  return state.substr(begin + 1, state.find("  }\n", begin) + 4 - begin - 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(sa_install_failures_are_counted_and_reported) {
  TwoQueues t;
  auto w = worker::Worker::create(t.config, t.config.public_interfaces.front().queue,
                                  t.private1.b(), t.public1.b(), t.clock, t.random);
  BOOST_REQUIRE(w.ok());
  const std::size_t inbound = (*w)->sas().inbound_count();
  BOOST_REQUIRE(inbound == 2u);  // inbound-sa 2001 and 2002 (queue 1)
  BOOST_REQUIRE(!t.config.inbound_sas.empty());
  // A second inbound SA with the SPI of the first and another key: the SA
  // database refuses it, as it refuses an SA when locked memory runs out
  // (config::load would refuse this configuration; built by hand to reach
  // the failure). Committing cannot fail: the SA is counted instead.
  config::GatewayConfig clash = t.config;
  config::SecurityAssociation twin = clash.inbound_sas.front();
  twin.key[0] ^= 0xff;
  clash.inbound_sas.push_back(twin);
  BOOST_REQUIRE((*w)->reconfigure(clash).ok());
  BOOST_TEST((*w)->worker_counters().sa_install_errors == 1u);
  BOOST_TEST((*w)->sas().inbound_count() == inbound);
  const worker::Worker* workers[] = {w->get()};
  BOOST_TEST(worker_container(worker::render_gateway_state(workers)) ==
             "  worker {\n    link-drops 0;\n    sa-install-errors 1;\n  }\n");
  // The SA that failed is not taken for installed: a configuration with it
  // alone in place of the first installs it.
  config::GatewayConfig replaced = t.config;
  replaced.inbound_sas.front() = twin;
  BOOST_REQUIRE((*w)->reconfigure(replaced).ok());
  BOOST_TEST((*w)->worker_counters().sa_install_errors == 1u);  // no new failure
  BOOST_TEST((*w)->sas().inbound_count() == inbound);
  BOOST_TEST((*w)->sas().inbound(twin.spi) != nullptr);
}

BOOST_AUTO_TEST_CASE(link_drops_are_counted_and_reported) {
  // Key exchange on a thread of its own (kSeparate) whose datagrams the
  // worker never takes (it does not poll): they fill the ring to the
  // worker (kKeyExchangeOutSize), then the key-exchange thread's own link
  // (io::Link::kCapacity); every datagram after that is a link drop.
  auto pool = std::move(io::FramePool::create(2048, 2048)).value();
  io::MemoryWire private_wire(*pool), public_wire(*pool);
  base::ManualClock clock(base::kSecond);
  base::SeededRandom random(1);
  auto config = config::load(R"(
private-interface4 { ifname priv0; ip 192.168.10.1; nexthop-ip 192.168.10.2;
                     nexthop-mac 02:00:00:00:00:02; }
public-interface4 { ifname pub0; ip 203.0.113.1; nexthop-ip 203.0.113.254;
                    nexthop-mac 02:00:00:00:00:fe; }
route4 { id far; gateway { ip 198.51.100.1; } net "10.99.0.0/16";
         preshared-key "0000000000000000000000000000000000000000000000000000000000000001";
         spi 1000; }
)",
                             "link_drops.conf");
  BOOST_REQUIRE_MESSAGE(config.ok(), (config.ok() ? std::string() : config.error().message));
  auto w = worker::Worker::create(*config, 1, private_wire.b(), public_wire.b(), clock, random,
                                  nullptr, worker::KeyExchangeHosting::kSeparate);
  BOOST_REQUIRE(w.ok());
  // Knocks from the route's gateway (PROTOCOL.md 2.1): route SPI 1000,
  // type 11, version 5. Each is answered with a challenge.
  const auto peer = *net::Address::parse("198.51.100.1");
  const auto self = *net::Address::parse("203.0.113.1");
  std::uint8_t knock[12] = {};
  net::store32(knock, 1000);
  knock[4] = 11;
  net::store32(knock + 8, 5);
  constexpr int kRounds = 14;
  for (int round = 0; round < kRounds; ++round) {
    io::Packet* batch[64];
    for (io::Packet*& p : batch) {
      p = pool->allocate();
      BOOST_REQUIRE(p != nullptr);
      keymanager::write_datagram(p, peer, self, 303, knock);
    }
    BOOST_REQUIRE((*w)->control_queue()->push(batch, 64) == 64u);
    (*w)->poll_key_exchange();
    clock.advance(base::kSecond);  // under the 100 messages a second
  }
  const state::KeyManagerCounters km = (*w)->key_manager_counters();
  BOOST_TEST(km.challenges_offered == 64u * kRounds);  // every knock answered
  BOOST_TEST(km.rxerrors == 0u);
  // Everything the key manager sent: challenges and its own knocks.
  const std::uint64_t sent = km.challenges_offered + km.negotiations_initiated;
  const std::uint64_t held = worker::Worker::kKeyExchangeOutSize + io::Link::kCapacity;
  BOOST_REQUIRE(sent > held);
  BOOST_TEST((*w)->worker_counters().link_drops == sent - held);
  // The frames of the dropped datagrams went back to the pool: only the
  // held ones are out.
  BOOST_TEST(pool->count() - pool->available() == held);
  const worker::Worker* workers[] = {w->get()};
  BOOST_TEST(worker_container(worker::render_gateway_state(workers)) ==
             "  worker {\n    link-drops " + std::to_string(sent - held) +
                 ";\n    sa-install-errors 0;\n  }\n");
}

BOOST_AUTO_TEST_CASE(a_running_gateway_names_its_esp_code_path) {
  TwoQueues t;
  auto w = worker::Worker::create(t.config, t.config.public_interfaces.front().queue,
                                  t.private1.b(), t.public1.b(), t.clock, t.random);
  BOOST_REQUIRE(w.ok());
  const worker::Worker* workers[] = {w->get()};
  const std::string chosen = esp::architecture_name(esp::calibration().chosen);
  BOOST_TEST(std::string((*w)->esp_implementation()) == chosen);
  // strait run's get-state: a word after the worker's counters.
  BOOST_TEST(
      worker_container(worker::render_gateway_state(workers, {.esp_implementation = true})) ==
      "  worker {\n    link-drops 0;\n    sa-install-errors 0;\n    esp-implementation " + chosen +
          ";\n  }\n");
  // strait replay's states (the conformance goldens) do not depend on the CPU.
  BOOST_TEST(worker::render_gateway_state(workers).find("esp-implementation") == std::string::npos);
}
