#define BOOST_TEST_MODULE key_memory_lab
// Key material in locked memory only (netns-lab/tests/key_memory.sh): two
// `strait run` gateways in network namespaces with random keys carry
// traffic, take new keys through the control socket and on SIGHUP, and
// their memory is then searched through /proc/PID/mem, outside the mlock'd
// mappings, for every key they were given. Root only; skipped (exit 77,
// CTest "Skipped") without root, a tool the scripts use, or the right to
// read another process's memory.
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <string>

#include "testing/skip.hpp"

namespace {

const std::string kScan =
    std::string("/usr/bin/python3 ") + STRAIT_SOURCE_DIR + "/netns-lab/lib/key_scan.py";

int run_key_memory(const std::string& mode, const std::string& backend) {
  const std::string command = std::string("timeout 240 bash ") + STRAIT_SOURCE_DIR +
                              "/netns-lab/tests/key_memory.sh " + STRAIT_BINARY + " " + mode + " " +
                              backend;
  const int status = std::system(command.c_str());
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  if (code == strait::testing::kSkipReturnCode)
    strait::testing::skip("cannot read the gateway's memory (/proc/PID/mem)");
  return code;
}

}  // namespace

struct Requirements {
  Requirements() {
    strait::testing::skip_unless_lab({"ip", "ethtool", "timeout", "od", "sed"});
    // Reading another process's memory needs ptrace access (root, and a
    // Yama or LSM policy that allows it).
    const std::string probe = "sleep 5 & p=$!; " + kScan + " --probe $p; s=$?; kill $p; exit $s";
    const int status = std::system(probe.c_str());
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      strait::testing::skip("cannot read another process's memory through /proc/PID/mem");
  }
};
BOOST_TEST_GLOBAL_FIXTURE(Requirements);

// Pre-shared keys: in the file, set through the socket, reloaded on SIGHUP,
// used by the key exchange.
BOOST_AUTO_TEST_CASE(af_packet_key_exchange_keys_only_in_locked_memory) {
  BOOST_TEST(run_key_memory("key-exchange", "af-packet") == 0);
}

// Static SA keys and salts (and the routes' pre-shared keys), installed in
// the data plane, replaced through the socket and on SIGHUP.
BOOST_AUTO_TEST_CASE(af_packet_data_plane_keys_only_in_locked_memory) {
  BOOST_TEST(run_key_memory("data-plane", "af-packet") == 0);
}

#if STRAIT_HAVE_XDP
BOOST_AUTO_TEST_CASE(xdp_data_plane_keys_only_in_locked_memory) {
  BOOST_TEST(run_key_memory("data-plane", "xdp") == 0);
}
#endif
