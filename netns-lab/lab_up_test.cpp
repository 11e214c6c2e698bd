#define BOOST_TEST_MODULE lab_up
// `make lab-up && make lab-verify && make lab-down` end to end, on a lab of
// the test's own (netns-lab/tests/lab.sh: its own LAB_PREFIX, removed on
// exit whatever happens). Root only: skipped (exit 77, CTest "Skipped")
// without root or a tool lab-up and lab-verify use. (topo.py with Mininet
// is ctest lab_mininet_test, skipped the same way without Mininet.)
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

#include "testing/skip.hpp"

namespace {

// run_lab SECONDS BACKEND WAN CHECKS [FAMILY]: tests/lab.sh, killed (and so
// cleaned up by its trap) after SECONDS; FAMILY is the lab's LAB_FAMILY.
int run_lab(int seconds, const std::string& backend, const std::string& wan,
            const std::string& checks, const std::string& family = "4") {
  const std::string command = "LAB_FAMILY=" + family + " timeout " + std::to_string(seconds) +
                              " bash " + STRAIT_SOURCE_DIR + "/netns-lab/tests/lab.sh " +
                              STRAIT_BINARY + " " + backend + " " + wan + " " + checks;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool has_wan_emulator() {
  const std::string command = std::string(STRAIT_BINARY) + " wan --help >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

struct Requirements {
  Requirements() {
    strait::testing::skip_unless_lab({"ip", "bridge", "ethtool", "sysctl", "setsid", "ss",
                                      "timeout", "python3", "kubectl", "ping", "traceroute",
                                      "iperf3"});
  }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

}  // namespace

// Every lab-verify check, on the lan profile (no delay).
BOOST_AUTO_TEST_CASE(lan_profile_every_check) {
  BOOST_TEST(run_lab(400, STRAIT_LAB_BACKEND, "lan", "") == 0);
}

// The default profile (about 220 ms round trip), shortly: connectivity,
// path MTU, key exchange, pods and kubectl across the slow internet. This
// strait always has `strait wan` (the link emulator): without it the test
// fails rather than pass untested.
BOOST_AUTO_TEST_CASE(paris_tokyo_profile_short) {
  BOOST_TEST_REQUIRE(has_wan_emulator(),
                     "strait wan --help fails: no link emulator in " STRAIT_BINARY);
  BOOST_TEST(run_lab(200, "af-packet", "paris-tokyo", "ping traceroute pmtu ake pods kubectl") ==
             0);
}

// LAB_FAMILY=dual (docs/dual-stack.md): the internet IPv6-only, carrying
// the IPv4 regions and Kubernetes; the ake check requires ESP over IPv6.
BOOST_AUTO_TEST_CASE(dual_family_short) {
  BOOST_TEST(run_lab(200, "af-packet", "lan", "ping traceroute pmtu ake pods kubectl", "dual") ==
             0);
}
