#define BOOST_TEST_MODULE wan_lab
// `strait wan` between two hosts in network namespaces (see
// netns-lab/tests/wan.sh: delay, the default profile, loss, lan with
// iperf3, MTU drops, sleeping when idle, errors, SIGTERM). Root only:
// skipped (exit 77, CTest "Skipped") without root or a tool wan.sh uses.
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

#include "testing/skip.hpp"

namespace {

int run_lab(const std::string& backends) {
  const std::string command = std::string("timeout 240 bash ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/wan.sh " + STRAIT_BINARY + " " + backends;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

struct Requirements {
  Requirements() {
    strait::testing::skip_unless_lab(
        {"ip", "ethtool", "ping", "ss", "sysctl", "timeout", "python3", "iperf3"});
  }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

#if STRAIT_HAVE_XDP
BOOST_AUTO_TEST_CASE(delay_loss_lan_mtu_over_af_packet_then_af_xdp) {
  BOOST_TEST(run_lab("xdp") == 0);
}
#else
BOOST_AUTO_TEST_CASE(delay_loss_lan_mtu_over_af_packet) {
  BOOST_TEST(run_lab("") == 0);
}
#endif
