#define BOOST_TEST_MODULE sim
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "sim/explore.hpp"
#include "sim/flow.hpp"
#include "sim/scenario.hpp"
#include "sim/state_path.hpp"
#include "sim/world.hpp"

// The simulator on small scenarios: the same seed gives byte-identical
// outputs, a partition heals within its bound and is seen in the flows,
// the invariants notice what they are for, and scenario errors are
// located. The shipped scenarios run as sim_* tests (sim/CMakeLists.txt).

using namespace strait;

namespace {

const std::string kLab = STRAIT_SOURCE_DIR "/netns-lab/";

std::string two_regions(const std::string& extra) {
  return "duration 60;\n"
         "region { name paris; config \"" +
         kLab +
         "vita-paris.conf\"; }\n"
         "region { name tokyo; config \"" +
         kLab +
         "vita-tokyo.conf\"; }\n"
         "link { between \"paris tokyo\"; latency-ms 110; jitter-ms 2; loss-percent 1;\n"
         "       reorder-percent 2; reorder-ms 5; duplicate-percent 1; }\n"
         "flow { name pt; kind udp; from paris; to tokyo; rate-pps 50; start 15; }\n"
         "flow { name tp; kind tcp; from tokyo; to paris; start 15; stop 40; }\n"
         "flow { name ping; kind ping; from paris; to tokyo; start 15; }\n" +
         extra;
}

sim::Scenario scenario(const std::string& text) {
  auto s = sim::parse_scenario(text, "test.sim", ".");
  BOOST_REQUIRE_MESSAGE(s, (s ? "" : s.error().message));
  return *s;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

struct Scratch {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("strait-sim-test-" + std::to_string(::getpid()));
  Scratch() { std::filesystem::remove_all(dir); }
  ~Scratch() { std::filesystem::remove_all(dir); }
};

sim::RunResult run(const sim::Scenario& s, const sim::RunOptions& options = {}) {
  auto world = sim::World::create(s, options);
  BOOST_REQUIRE_MESSAGE(world, (world ? "" : world.error().message));
  auto result = (*world)->run();
  BOOST_REQUIRE_MESSAGE(result, (result ? "" : result.error().message));
  return *result;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_same_seed_gives_byte_identical_outputs) {
  const Scratch scratch;
  const auto s = scenario(two_regions(""));
  sim::RunOptions options;
  options.seed = 7;
  options.pcap_links = {"paris-tokyo"};
  for (const char* name : {"a", "b"}) {
    options.out_dir = (scratch.dir / name).string();
    const auto result = run(s, options);
    BOOST_TEST(result.passed, result.summary);
  }
  for (const char* file : {"summary.txt", "samples.csv", "events.csv", "paris-tokyo.pcap"}) {
    const std::string a = read_file(scratch.dir / "a" / file);
    BOOST_TEST(!a.empty(), file);
    BOOST_TEST((a == read_file(scratch.dir / "b" / file)), file);
  }
  // Another seed: another run (the link's draws differ), still sound.
  options.seed = 8;
  options.out_dir = (scratch.dir / "c").string();
  const auto other = run(s, options);
  BOOST_TEST(other.passed, other.summary);
  BOOST_TEST(read_file(scratch.dir / "c" / "samples.csv") !=
             read_file(scratch.dir / "a" / "samples.csv"));
}

BOOST_AUTO_TEST_CASE(a_partition_loses_packets_and_heals_within_its_bound) {
  const auto s =
      scenario(two_regions("event { at 20; link-down \"paris tokyo\"; }\n"
                           "event { at 30; link-up \"paris tokyo\"; }\n"
                           "expect { converged-within 15; }\n"
                           "expect { flow pt; lost-max 600; delivered-min 1400; }\n"));
  const auto result = run(s);
  BOOST_TEST(result.passed, result.summary);
  BOOST_TEST(
      result.summary.find("pt (udp paris -> tokyo): sent 2000, delivered") != std::string::npos,
      result.summary);
  // About 10 s of 50 packets a second are lost.
  BOOST_TEST(result.summary.find(", lost 0,") == std::string::npos, result.summary);
}

BOOST_AUTO_TEST_CASE(a_route_that_never_converges_fails_the_run_by_name) {
  // Paris's pre-shared key for tokyo changes, tokyo's does not: the route's
  // SAs go (PROTOCOL.md 2.4) and no new ones can be agreed.
  const auto s = scenario(two_regions(
      "event { at 20; config { region paris; set \"/route4[id=tokyo]/preshared-key\";\n"
      "  value \"1111111111111111111111111111111111111111111111111111111111111111\"; } }\n"
      "expect { converged-within 15; }\n"));
  const auto result = run(s);
  BOOST_TEST(!result.passed);
  BOOST_TEST(result.invariant_violations > 0u);
  BOOST_TEST(result.summary.find("paris queue 1 route tokyo 15.000 s after the last fault") !=
                 std::string::npos,
             result.summary);
}

BOOST_AUTO_TEST_CASE(markers_show_plaintext_and_alterations) {
  sim::Marker m;
  m.flow = 3;
  m.id = 41;
  auto payload = m.payload(200);
  BOOST_TEST(sim::holds_marker(payload));
  bool altered = true;
  auto read = sim::Marker::read(payload, altered);
  BOOST_REQUIRE(read);
  BOOST_TEST(!altered);
  BOOST_TEST(read->id == 41u);
  payload[150] ^= 1;
  read = sim::Marker::read(payload, altered);
  BOOST_TEST(altered);
  payload[0] ^= 1;
  BOOST_TEST(!sim::holds_marker(payload));
}

BOOST_AUTO_TEST_CASE(explored_scenarios_are_written_and_replay_the_same) {
  const Scratch scratch;
  const auto s = sim::random_scenario(1000);
  BOOST_TEST(s.regions.size() >= 2u);
  auto path = sim::write_scenario(s, scratch.dir.string(), "seed-1000");
  BOOST_REQUIRE(path);
  auto again = sim::load_scenario(*path);
  BOOST_REQUIRE_MESSAGE(again, (again ? "" : again.error().message));
  const auto a = run(s), b = run(*again);
  BOOST_TEST(a.passed, a.summary);
  // The summary names the scenario, which the file renamed.
  BOOST_TEST(a.summary.substr(a.summary.find('\n')) == b.summary.substr(b.summary.find('\n')));
}

BOOST_AUTO_TEST_CASE(scenario_errors_are_located) {
  auto bad = sim::parse_scenario("region { name a; config \"" + kLab +
                                     "vita-paris.conf\"; }\n"
                                     "region { name b; config \"" +
                                     kLab +
                                     "vita-tokyo.conf\"; }\n"
                                     "flow { name f; kind udp; from a; to c; }\n",
                                 "bad.sim", ".");
  BOOST_REQUIRE(!bad);
  BOOST_TEST(bad.error().message.find("bad.sim:3:") == 0u, bad.error().message);
  BOOST_TEST(bad.error().message.find("no region 'c'") != std::string::npos);
  const auto value = sim::state_value(
      "gateway-state { key-manager { rxerrors 4; } inbound-sa { spi 9; "
      "sa-state { decrypt-errors 2; } } }",
      "inbound-sa[spi=9]/sa-state/decrypt-errors");
  BOOST_TEST((value && *value == 2u));
}
