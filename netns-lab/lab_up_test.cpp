#define BOOST_TEST_MODULE lab_up
// `make lab-up && make lab-verify && make lab-down` end to end, on a lab of
// the test's own (netns-lab/tests/lab.sh: its own LAB_PREFIX, removed on
// exit whatever happens). Root only.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

namespace {

// run_lab SECONDS BACKEND WAN CHECKS: tests/lab.sh, killed (and so cleaned
// up by its trap) after SECONDS.
int run_lab(int seconds, const std::string& backend, const std::string& wan,
            const std::string& checks) {
  const std::string command = "timeout " + std::to_string(seconds) + " bash " + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/lab.sh " + STRAIT_BINARY + " " + backend + " " +
                              wan + " " + checks;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool has_wan_emulator() {
  const std::string command = std::string(STRAIT_BINARY) + " wan --help >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(root_is_required) {
  BOOST_TEST_REQUIRE(geteuid() == 0u);
}

// Every lab-verify check, on the lan profile (no delay).
BOOST_AUTO_TEST_CASE(lan_profile_every_check) {
  BOOST_TEST(run_lab(400, STRAIT_LAB_BACKEND, "lan", "") == 0);
}

// The default profile (about 220 ms round trip), shortly: connectivity,
// path MTU, key exchange, pods and kubectl across the slow internet.
BOOST_AUTO_TEST_CASE(paris_tokyo_profile_short) {
  if (!has_wan_emulator()) {
    BOOST_TEST_MESSAGE("skipped: this strait has no 'wan' command (the link emulator)");
    return;
  }
  BOOST_TEST(run_lab(200, "af-packet", "paris-tokyo", "ping traceroute pmtu ake pods kubectl") ==
             0);
}

// netns-lab/topo.py built by Debian's Mininet (tests/mininet_topo.py; exit
// status 77 when Mininet is not installed: skipped, with the reason).
BOOST_AUTO_TEST_CASE(mininet_builds_topo_py) {
  const std::string command = std::string("timeout 300 /usr/bin/python3 ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/mininet_topo.py";
  const int status = std::system(command.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  if (code == 77) {
    BOOST_TEST_MESSAGE("skipped: Mininet is not installed (ci/install-deps installs it)");
    return;
  }
  BOOST_TEST(code == 0);
}
