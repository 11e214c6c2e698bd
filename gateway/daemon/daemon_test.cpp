#define BOOST_TEST_MODULE daemon
#include <pthread.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/cpu_list.hpp"
#include "daemon/instance_directory.hpp"

using namespace strait::daemon;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct TemporaryRoot {
  TemporaryRoot() {
    char pattern[] = "/tmp/strait-daemon-test-XXXXXX";
    path = mkdtemp(pattern);
  }
  ~TemporaryRoot() { std::filesystem::remove_all(path); }
  std::string path;
};

}  // namespace

BOOST_AUTO_TEST_CASE(cpu_lists) {
  auto a = parse_cpu_list("2,3");
  BOOST_TEST_REQUIRE(a.ok());
  BOOST_TEST((*a == std::vector<int>{2, 3}));
  auto b = parse_cpu_list("2-3");
  BOOST_TEST_REQUIRE(b.ok());
  BOOST_TEST((*b == std::vector<int>{2, 3}));
  auto c = parse_cpu_list("5,0-2");
  BOOST_TEST_REQUIRE(c.ok());
  BOOST_TEST((*c == std::vector<int>{5, 0, 1, 2}));
  for (const char* bad : {"", ",", "2,", "a", "3-1", "1,1", "1-2,2", "-1", "2-", "1 2", "99999"})
    BOOST_TEST(!parse_cpu_list(bad).ok(), bad);
  BOOST_TEST(check_cpus_allowed({0}).ok());  // CPU 0 is ours unless restricted
  BOOST_TEST(!check_cpus_allowed({4000}).ok());
}

namespace {

// The first two CPUs this process may run on, if it may run on two.
std::optional<std::pair<int, int>> two_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return std::nullopt;
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu)
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  if (cpus.size() < 2) return std::nullopt;
  return std::pair{cpus[0], cpus[1]};
}

struct TwoCpus {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result result(two_cpus().has_value());
    result.message() << "needs two CPUs";
    return result;
  }
};

}  // namespace

// Under isolcpus= every process starts with an affinity that leaves the
// isolated CPUs out (init's), and they are the ones --cpu pins workers to:
// a CPU outside the caller's affinity is allowed.
BOOST_AUTO_TEST_CASE(cpus_outside_the_callers_affinity_are_allowed,
                     *boost::unit_test::precondition(TwoCpus())) {
  const auto [first, second] = *two_cpus();
  bool restricted = false;
  bool second_allowed = false;
  bool far_allowed = true;
  std::thread([&, first = first, second = second] {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(first, &set);
    restricted = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
    second_allowed = check_cpus_allowed({second}).ok();
    far_allowed = check_cpus_allowed({second, 4000}).ok();
  }).join();
  BOOST_TEST_REQUIRE(restricted);
  BOOST_TEST(second_allowed);
  BOOST_TEST(!far_allowed);
}

BOOST_AUTO_TEST_CASE(configuration_of_a_name) {
  unsetenv("STRAIT_CONFIG_DIR");
  BOOST_TEST(config_path_for("paris") == "/etc/strait/paris.conf");
  setenv("STRAIT_CONFIG_DIR", "/tmp/strait-conf", 1);
  BOOST_TEST(config_path_for("paris") == "/tmp/strait-conf/paris.conf");
  setenv("STRAIT_CONFIG_DIR", "", 1);
  BOOST_TEST(config_path_for("tokyo") == "/etc/strait/tokyo.conf");
  unsetenv("STRAIT_CONFIG_DIR");
}

BOOST_AUTO_TEST_CASE(instance_names) {
  BOOST_TEST(check_instance_name("paris").ok());
  BOOST_TEST(check_instance_name("t-paris_1.2").ok());
  BOOST_TEST(!check_instance_name("").ok());
  BOOST_TEST(!check_instance_name("..").ok());
  BOOST_TEST(!check_instance_name("a/b").ok());
  BOOST_TEST(!check_instance_name(std::string(65, 'a')).ok());
}

BOOST_AUTO_TEST_CASE(pid_file_refuses_a_second_instance) {
  TemporaryRoot root;
  auto first = InstanceDirectory::claim(root.path + "/nested", "paris");
  BOOST_TEST_REQUIRE(first.ok());
  BOOST_TEST(read_file((*first)->pid_path()) == std::to_string(getpid()) + "\n");
  auto second = InstanceDirectory::claim(root.path + "/nested", "paris");
  BOOST_TEST_REQUIRE(!second.ok());
  BOOST_TEST(second.error().message.find("already running (pid " + std::to_string(getpid())) !=
             std::string::npos);
  auto other = InstanceDirectory::claim(root.path + "/nested", "tokyo");
  BOOST_TEST(other.ok());

  BOOST_TEST((*first)->write_state("gateway-state {\n}\n").ok());
  BOOST_TEST(read_file((*first)->state_path()) == "gateway-state {\n}\n");
  const std::string pid_path = (*first)->pid_path();
  const std::string state_path = (*first)->state_path();
  first->reset();  // a clean stop removes the files
  BOOST_TEST(access(pid_path.c_str(), F_OK) != 0);
  BOOST_TEST(access(state_path.c_str(), F_OK) != 0);
  BOOST_TEST(InstanceDirectory::claim(root.path + "/nested", "paris").ok());
}

BOOST_AUTO_TEST_CASE(stale_pid_file_of_a_killed_instance_is_taken_over) {
  TemporaryRoot root;
  const pid_t child = fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    auto claimed = InstanceDirectory::claim(root.path, "paris");
    // Dies without cleaning up, as a SIGKILLed instance would.
    if (claimed.ok()) claimed->release();
    _exit(claimed.ok() ? 0 : 1);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(waitpid(child, &status, 0) == child);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST_REQUIRE(WEXITSTATUS(status) == 0);
  BOOST_TEST(read_file(root.path + "/paris/pid") == std::to_string(child) + "\n");
  auto claimed = InstanceDirectory::claim(root.path, "paris");
  BOOST_TEST_REQUIRE(claimed.ok());
  BOOST_TEST(read_file(root.path + "/paris/pid") == std::to_string(getpid()) + "\n");
}

// What `strait ps` shows: a claimed instance runs; one killed without
// cleaning up (its pid file left, unlocked) is stale; no root, no names.
BOOST_AUTO_TEST_CASE(instances_are_listed_and_probed) {
  TemporaryRoot root;
  const auto none = list_instances(root.path + "/absent");
  BOOST_TEST_REQUIRE(none.ok());
  BOOST_TEST(none->empty());

  const pid_t child = fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    auto claimed = InstanceDirectory::claim(root.path, "tokyo");
    if (claimed.ok()) claimed->release();  // dies holding it, as SIGKILL would leave it
    _exit(claimed.ok() ? 0 : 1);
  }
  int status = 0;
  BOOST_TEST_REQUIRE(waitpid(child, &status, 0) == child);
  BOOST_TEST_REQUIRE(WIFEXITED(status));
  BOOST_TEST_REQUIRE(WEXITSTATUS(status) == 0);
  auto paris = InstanceDirectory::claim(root.path, "paris");
  BOOST_TEST_REQUIRE(paris.ok());

  const auto names = list_instances(root.path);
  BOOST_TEST_REQUIRE(names.ok());
  BOOST_TEST((*names == std::vector<std::string>{"paris", "tokyo"}));
  const InstanceStatus running = probe_instance(root.path, "paris");
  BOOST_TEST(running.running);
  BOOST_TEST(running.pid == static_cast<long>(getpid()));
  const InstanceStatus stale = probe_instance(root.path, "tokyo");
  BOOST_TEST(!stale.running);
  BOOST_TEST(stale.pid == static_cast<long>(child));
  const InstanceStatus absent = probe_instance(root.path, "osaka");
  BOOST_TEST(!absent.running);
  BOOST_TEST(absent.pid == 0);
}

// Static SA sequence numbers must survive a reboot, so they live under the
// state root (/var/lib/strait), not the run root (/run is emptied at boot).
BOOST_AUTO_TEST_CASE(state_root_survives_reboots_unless_moved) {
  const auto restore = [](const char* name, const char* saved) {
    if (saved) {
      setenv(name, saved, 1);
    } else {
      unsetenv(name);
    }
  };
  const char* saved_state = std::getenv("STRAIT_STATE_DIR");
  const char* saved_run = std::getenv("STRAIT_RUN_DIR");
  const std::string keep_state = saved_state ? saved_state : "";
  const std::string keep_run = saved_run ? saved_run : "";
  unsetenv("STRAIT_STATE_DIR");
  unsetenv("STRAIT_RUN_DIR");
  BOOST_TEST(state_root() == "/var/lib/strait");
  BOOST_TEST(run_root() == "/run/strait");
  setenv("STRAIT_RUN_DIR", "/tmp/lab-run", 1);
  BOOST_TEST(state_root() == "/tmp/lab-run");
  setenv("STRAIT_STATE_DIR", "/tmp/lab-state", 1);
  BOOST_TEST(state_root() == "/tmp/lab-state");
  restore("STRAIT_STATE_DIR", saved_state ? keep_state.c_str() : nullptr);
  restore("STRAIT_RUN_DIR", saved_run ? keep_run.c_str() : nullptr);
}

BOOST_AUTO_TEST_CASE(state_directory_is_created_private) {
  TemporaryRoot root;
  auto made = make_state_directory(root.path + "/var/lib/strait", "paris");
  BOOST_TEST_REQUIRE(made.ok());
  BOOST_TEST(*made == root.path + "/var/lib/strait/paris");
  struct stat info {};
  BOOST_TEST_REQUIRE(stat(made->c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0700u);
  BOOST_TEST(make_state_directory(root.path + "/var/lib/strait", "paris").ok());  // exists
  BOOST_TEST(!make_state_directory(root.path, "../escape").ok());
  // A file where a directory should be: an error that names the path.
  std::ofstream(root.path + "/blocked") << "x";
  auto blocked = make_state_directory(root.path + "/blocked", "paris");
  BOOST_TEST_REQUIRE(!blocked.ok());
  BOOST_TEST(blocked.error().message.find(root.path + "/blocked") != std::string::npos);
}
