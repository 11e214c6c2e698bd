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
        "private-icmp4 {", "public-icmp4 {", "inbound-icmp4 {", "key-manager {", "inbound-sa {",
        "sa-state {"})
    BOOST_TEST(state.find(container) != std::string::npos, container);
  for (const char* counter :
       {"rxbytes 0;", "txbcast 0;", "arp-requests 0;", "ethertype-errors 0;", "fragment-errors 0;",
        "checksum-errors 0;", "route-errors 0;", "mtu-errors 0;", "transit-ttl-exceeded 0;",
        "fragment-reassembly-time-exceeded 0;", "redirect-tos-host 0;", "echo-request 0;",
        "decrypt-errors 0;", "negotiations-initiated 0;", "outbound-sa-updated 0;",
        "public-key-errors 0;"})
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
  // One frame of unknown ethertype into each private port.
  for (io::MemoryWire* wire : {&t.private1, &t.private2}) {
    io::Packet* p = t.pool->allocate();
    std::memset(p->data, 0, 60);
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
