#define BOOST_TEST_MODULE metrics_promtool
// The exposition of a real gateway-state (two workers' report, SAs
// included) must pass `promtool check metrics` (Debian: prometheus).
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "config/load.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "metrics/exposition.hpp"
#include "worker/state_report.hpp"

using namespace strait;

namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";

// Runs promtool on `text`; its exit status and output.
int promtool_check(const std::string& text, std::string& output) {
  char path[] = "/tmp/strait-metrics-XXXXXX";
  const int fd = mkstemp(path);
  BOOST_REQUIRE(fd >= 0);
  BOOST_REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  const std::string command = std::string(kPromtool) + " check metrics < " + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr)
    output += buffer;
  const int status = pclose(pipe);
  unlink(path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

BOOST_AUTO_TEST_CASE(promtool_accepts_the_exposition_of_a_real_state) {
  BOOST_REQUIRE_MESSAGE(access(kPromtool, X_OK) == 0,
                        "promtool is missing: install Debian's prometheus (ci/install-deps)");
  auto loaded = config::load_file(std::string(STRAIT_SOURCE_DIR) +
                                  "/gateway/config/testdata/vita-data-plane.conf");
  BOOST_REQUIRE(loaded.ok());
  auto pool = std::move(io::FramePool::create(2048, 64)).value();
  io::MemoryWire private1{*pool}, private2{*pool}, public1{*pool}, public2{*pool};
  base::ManualClock clock;
  base::SeededRandom random{1};
  const auto queue = loaded->public_interfaces.front().queue;
  auto a = worker::Worker::create(*loaded, queue, private1.b(), public1.b(), clock, random);
  auto b = worker::Worker::create(*loaded, queue, private2.b(), public2.b(), clock, random);
  BOOST_REQUIRE(a.ok());
  BOOST_REQUIRE(b.ok());
  const worker::Worker* workers[] = {a->get(), b->get()};
  const std::string state = worker::render_gateway_state(workers);
  auto exposition = metrics::render_exposition("paris \"test\"", state);
  BOOST_REQUIRE_MESSAGE(exposition.ok(),
                        (exposition.ok() ? std::string() : exposition.error().message));
  BOOST_TEST(exposition->find("strait_private_interface_rx_packets_total{instance=") !=
             std::string::npos);
  BOOST_TEST(exposition->find("strait_inbound_sa_decrypt_errors_total{") != std::string::npos);
  BOOST_TEST(exposition->find("strait_outbound_sa_packets_total{") != std::string::npos);
  std::string output;
  const int status = promtool_check(*exposition, output);
  BOOST_TEST(status == 0, "promtool check metrics: " << output);
  BOOST_TEST(output.empty(), "promtool lint findings: " << output);

  // And promtool does catch what we must never produce.
  std::string broken_output;
  BOOST_TEST(promtool_check(*exposition + "strait_private_interface_rx_packets_total{x=\"1\" 3\n",
                            broken_output) != 0);
}
