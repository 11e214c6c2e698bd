#include "testing/netns_pair.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <thread>

namespace strait::testing {
namespace {

constexpr const char* kPrefix = "strait-lab-";

void run(const std::string& command) {
  const int status = std::system((command + " >/dev/null 2>&1").c_str());
  if (status != 0) throw std::runtime_error("command failed: " + command);
}

std::string output_of(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr)
    out += buffer;
  pclose(pipe);
  return out;
}

// Deletes namespaces named "strait-lab-<pid>-..." whose process is gone.
void delete_stale_namespaces() {
  DIR* dir = opendir("/run/netns");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.rfind(kPrefix, 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + std::strlen(kPrefix), nullptr, 10);
    if (pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
      std::system(("ip netns del " + name + " >/dev/null 2>&1").c_str());
  }
  closedir(dir);
}

}  // namespace

NetnsPair::NetnsPair(unsigned queues) {
  static std::atomic<unsigned> sequence{0};
  delete_stale_namespaces();
  const std::string pid = std::to_string(getpid());
  const std::string n = std::to_string(sequence++);
  const std::string base = kPrefix + pid + "-" + n;
  a_ = {base + "-a", "sl" + pid + "x" + n + "a"};
  b_ = {base + "-b", "sl" + pid + "x" + n + "b"};
  if (a_.ifname.size() > 15) a_.ifname = "slab-a", b_.ifname = "slab-b";
  try {
    run("ip netns add " + a_.netns);
    run("ip netns add " + b_.netns);
    for (const End* end : {&a_, &b_})
      exec_in(end->netns,
              "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
    const std::string q = std::to_string(queues);
    run("ip link add " + a_.ifname + " netns " + a_.netns + " numtxqueues " + q + " numrxqueues " +
        q + " type veth peer name " + b_.ifname + " netns " + b_.netns + " numtxqueues " + q +
        " numrxqueues " + q);
    for (const End* end : {&a_, &b_}) {
      exec_in(end->netns, "ethtool --offload " + end->ifname + " rx off tx off");
      run("ip -n " + end->netns + " link set " + end->ifname + " up");
    }
    // Wait (bounded) until both ends report carrier.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (const End* end : {&a_, &b_}) {
      while (output_of("ip -n " + end->netns + " link show " + end->ifname).find("LOWER_UP") ==
             std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline)
          throw std::runtime_error(end->ifname + " has no carrier");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  } catch (...) {
    remove();
    throw;
  }
}

NetnsPair::~NetnsPair() {
  remove();
}

void NetnsPair::remove() noexcept {
  for (const End* end : {&a_, &b_})
    std::system(("ip netns del " + end->netns + " >/dev/null 2>&1").c_str());
}

void NetnsPair::exec_in(const std::string& netns, const std::string& command) {
  run("ip netns exec " + netns + " " + command);
}

void NetnsPair::run_in(const std::string& netns, const std::function<void()>& body) {
  std::exception_ptr failure;
  std::thread thread([&] {
    try {
      const std::string path = "/run/netns/" + netns;
      const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw std::runtime_error(path + ": " + std::strerror(errno));
      const int rc = setns(fd, CLONE_NEWNET);
      const int saved = errno;
      close(fd);
      if (rc != 0) throw std::runtime_error("setns " + netns + ": " + std::strerror(saved));
      body();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  thread.join();
  if (failure) std::rethrow_exception(failure);
}

}  // namespace strait::testing
