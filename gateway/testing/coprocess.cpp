#include "testing/coprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace strait::testing {

namespace {

std::runtime_error failure(const std::string& name, const std::string& what) {
  return std::runtime_error("co-process " + name + ": " + what);
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

Coprocess::Coprocess(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("co-process: no program");
  name_ = argv[0];
  if (::access(name_.c_str(), X_OK) != 0)
    throw failure(name_, "cannot execute it (" + errno_text() + ")");
  // A child that dies must not kill the test with SIGPIPE: writes then fail
  // with EPIPE instead, which request() reports.
  ::signal(SIGPIPE, SIG_IGN);

  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw failure(name_, "pipe: " + errno_text());
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw failure(name_, "pipe: " + errno_text());
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the duplicates only.
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int spawned = ::posix_spawn(&pid_, name_.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (spawned != 0) {
    ::close(in[1]);
    ::close(out[0]);
    pid_ = -1;
    throw failure(name_, std::string("spawn: ") + std::strerror(spawned));
  }
  to_child_ = in[1];
  from_child_ = out[0];
}

Coprocess::~Coprocess() {
  finish();
}

int Coprocess::finish() {
  if (to_child_ >= 0) ::close(to_child_);
  to_child_ = -1;
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pid_ = -1;
  }
  if (from_child_ >= 0) ::close(from_child_);
  from_child_ = -1;
  return status_;
}

std::string Coprocess::request(const std::string& line, int timeout_ms) {
  if (to_child_ < 0) throw failure(name_, "already finished");
  const std::string text = line + "\n";
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(to_child_, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw failure(name_, "write: " + errno_text() + " (did it exit?)");
    }
    written += static_cast<std::size_t>(n);
  }
  return read_line(timeout_ms);
}

std::string Coprocess::read_line(int timeout_ms) {
  for (;;) {
    const std::size_t end = buffer_.find('\n');
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return line;
    }
    pollfd p{from_child_, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw failure(name_, "poll: " + errno_text());
    }
    if (ready == 0) throw failure(name_, "no answer within " + std::to_string(timeout_ms) + " ms");
    char chunk[4096];
    const ssize_t n = ::read(from_child_, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw failure(name_, "read: " + errno_text());
    }
    if (n == 0) throw failure(name_, "closed its output (exited?)");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

}  // namespace strait::testing
