#define BOOST_TEST_MODULE daemon_lab
// `strait run` end to end: two gateways in network namespaces (see
// netns-lab/tests/two_gateways.sh, which builds the lab, checks ping both
// ways, the start-up errors, a refused second instance, restart after
// SIGKILL and a clean SIGTERM, and tears everything down). Root only:
// skipped (exit 77, CTest "Skipped") without root or a tool the scripts use.
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

#include "testing/skip.hpp"

namespace {

int run_lab(const std::string& mode, const std::string& backend) {
  const std::string command = std::string("timeout 240 bash ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/two_gateways.sh " + STRAIT_BINARY + " " + mode +
                              " " + backend;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int run_traffic(const std::string& backend, int queues) {
  const std::string command = std::string("timeout 120 bash ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/traffic.sh " + STRAIT_BINARY + " " + backend + " " +
                              std::to_string(queues);
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int run_metrics_top(const std::string& backend) {
  const std::string command = std::string("timeout 120 bash ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/metrics_top.sh " + STRAIT_BINARY + " " + backend;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int run_config_control(const std::string& backend) {
  const std::string command = std::string("timeout 240 bash ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/config_control.sh " + STRAIT_BINARY + " " + backend;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int run_live_interfaces(const std::string& backend) {
  const std::string command = std::string("timeout 240 bash ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/live_interfaces.sh " + STRAIT_BINARY + " " +
                              backend;
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

}  // namespace

struct Requirements {
  Requirements() {
    strait::testing::skip_unless_lab({"ip", "ethtool", "ping", "ss", "timeout", "python3", "iperf3",
                                      "traceroute", "socat", "setpriv", "promtool"});
  }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

BOOST_AUTO_TEST_CASE(af_packet_data_plane) {
  BOOST_TEST(run_lab("data-plane", "af-packet") == 0);
}

BOOST_AUTO_TEST_CASE(af_packet_key_exchange_and_restart) {
  BOOST_TEST(run_lab("key-exchange", "af-packet") == 0);
}

BOOST_AUTO_TEST_CASE(af_packet_iperf3_tcp_udp_both_ways_and_traceroute) {
  BOOST_TEST(run_traffic("af-packet", 1) == 0);
}

BOOST_AUTO_TEST_CASE(af_packet_two_queues_both_carry_traffic) {
  BOOST_TEST(run_traffic("af-packet", 2) == 0);
}

BOOST_AUTO_TEST_CASE(af_packet_metrics_scraped_and_top) {
  BOOST_TEST(run_metrics_top("af-packet") == 0);
}

// strait config / strait ps against a running gateway: every verb and path
// form, rejected transactions, routes changing under UDP traffic without
// loss, get-state counters, SIGHUP, bad clients (config_control.sh).
BOOST_AUTO_TEST_CASE(af_packet_config_control) {
  BOOST_TEST(run_config_control("af-packet") == 0);
}

// Public interfaces added, moved to another address and removed, a
// nonexistent ifname refused, all while the gateways run and carry TCP on
// both queues (live_interfaces.sh).
BOOST_AUTO_TEST_CASE(af_packet_interfaces_change_live) {
  BOOST_TEST(run_live_interfaces("af-packet") == 0);
}

#if STRAIT_HAVE_XDP
BOOST_AUTO_TEST_CASE(xdp_data_plane) {
  BOOST_TEST(run_lab("data-plane", "xdp") == 0);
}

BOOST_AUTO_TEST_CASE(xdp_key_exchange_and_restart) {
  BOOST_TEST(run_lab("key-exchange", "xdp") == 0);
}

BOOST_AUTO_TEST_CASE(xdp_iperf3_tcp_udp_both_ways_and_traceroute) {
  BOOST_TEST(run_traffic("xdp", 1) == 0);
}

BOOST_AUTO_TEST_CASE(xdp_two_queues_both_carry_traffic) {
  BOOST_TEST(run_traffic("xdp", 2) == 0);
}
#endif
