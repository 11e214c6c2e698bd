#include "cli/config_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "cli/argument_reader.hpp"
#include "config/file_access.hpp"
#include "config/syntax_tree.hpp"
#include "control/client.hpp"
#include "control/path.hpp"
#include "control/protocol.hpp"
#include "control/server.hpp"
#include "daemon/instance_directory.hpp"

namespace strait::cli {

namespace {

constexpr const char* kConfigUsage =
    "usage: strait config get|set|add|remove NAME PATH [--json] [--secrets]\n"
    "       strait config get-state NAME PATH [--json] [--queue N]\n"
    "  Reads or changes the configuration of the running gateway NAME (see\n"
    "  `strait ps`) over its control socket, /run/strait/NAME.sock (root only).\n"
    "  PATH: /  /mtu  /private-interface4  /route4  /route4[id=tokyo]\n"
    "        /route4[id=tokyo]/gateway[queue=2]/ip  /outbound-sa[spi=1001][queue=1]\n"
    "  get        prints the subtree (a leaf's value, a container's statements)\n"
    "  set        replaces it with standard input: strait config set paris / < vita-paris.conf,\n"
    "             echo 1400 | strait config set paris /mtu\n"
    "  add        appends list entries read from standard input:\n"
    "             strait config add paris /route4 < osaka-route.conf\n"
    "  remove     removes an entry, container or leaf\n"
    "  get-state  prints gateway-state (every queue summed; --queue N: one queue)\n"
    "  A change is validated whole and applied to every queue, or rejected with\n"
    "  nothing changed. Keys read from a file its group or others may read or\n"
    "  write are taken, with a warning (chmod 600 FILE).\n"
    "  --json     JSON instead of the configuration syntax\n"
    "  --secrets  show preshared-key, key and salt (hidden as \"(secret)\" otherwise)\n"
    "  --queue N  get-state of queue N alone\n";

constexpr const char* kPsUsage =
    "usage: strait ps\n"
    "  Lists the gateways under /run/strait ($STRAIT_RUN_DIR): name, pid, whether\n"
    "  it runs, and its control socket.\n";

// Standard input may be key material: read with read(2) into the secure
// heap (no stream buffer keeps a copy); at most `limit` + 1 bytes.
base::Result<base::SecureString> read_stdin(std::size_t limit) {
  base::SecureString text;
  constexpr std::size_t kChunk = 16384;
  for (;;) {
    const std::size_t used = text.size();
    text.resize(used + kChunk);
    const ssize_t n = ::read(STDIN_FILENO, text.data() + used, kChunk);
    text.resize(used + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error{std::string("reading standard input: ") + std::strerror(errno)};
    if (n == 0 || text.size() > limit) return text;
  }
}

// Writes all of `text` with write(2): no stdio buffer keeps a copy of
// what may be a key (get --secrets).
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Keys on standard input from a file its group or others may read or
// write (config/file_access.hpp): a warning, not a refusal, since the
// keys have been read already; strait run refuses such a file.
void warn_about_key_file(const base::SecureString& body) {
  struct stat status {};
  if (::fstat(STDIN_FILENO, &status) != 0 || !S_ISREG(status.st_mode)) return;
  auto document = config::parse_document(body, "stdin");
  if (!document || !config::holds_keys(*document)) return;
  char link[4096];
  const ssize_t n = ::readlink("/proc/self/fd/0", link, sizeof link);
  const std::string path = n > 0 && static_cast<std::size_t>(n) < sizeof link
                               ? std::string(link, static_cast<std::size_t>(n))
                               : std::string("standard input");
  if (auto allowed = config::check_key_file_access(path, {status.st_mode, status.st_uid},
                                                   static_cast<std::uint32_t>(::geteuid()));
      !allowed)
    std::fprintf(stderr, "strait config: warning: %s\n", allowed.error().message.c_str());
}

}  // namespace

std::string_view config_usage() {
  return kConfigUsage;
}

int config_command(int argc, char** argv) {
  std::vector<std::string_view> positional;
  control::Request request;
  ArgumentReader reader("strait config", kConfigUsage);
  reader.flag("--json", request.json);
  reader.flag("--secrets", request.secrets);
  reader.option("--queue", "a queue number", [&](std::string_view text) -> base::Status {
    const std::string v(text);
    char* end = nullptr;
    const long q = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || q < 1 || q > 65535)
      return base::Error{"--queue takes a queue number, 1..65535"};
    request.queue = static_cast<std::uint16_t>(q);
    return base::Ok{};
  });
  reader.positionals([&](std::string_view argument) {
    positional.push_back(argument);
    return base::Status(base::Ok{});
  });
  if (auto done = reader.read(argc, argv)) return *done;
  if (positional.size() != 3)
    return reader.usage_error("expected a verb, an instance NAME and a PATH");
  const auto verb = control::parse_verb(positional[0]);
  if (!verb) return reader.usage_error("unknown verb '" + std::string(positional[0]) + "'");
  request.verb = *verb;
  const std::string name(positional[1]);
  if (auto checked = daemon::check_instance_name(name); !checked)
    return reader.usage_error(checked.error().message);
  request.path = std::string(positional[2]);
  if (auto path = control::parse_path(request.path); !path) {
    std::fprintf(stderr, "strait config: %s: %s\n", request.path.c_str(),
                 path.error().message.c_str());
    return 1;
  }
  if (request.queue && request.verb != control::Verb::kGetState)
    return reader.usage_error("--queue goes with get-state");
  if (request.verb == control::Verb::kSet || request.verb == control::Verb::kAdd) {
    auto body = read_stdin(control::kMaxBody);
    if (!body) {
      std::fprintf(stderr, "strait config: %s\n", body.error().message.c_str());
      return 1;
    }
    request.body = std::move(body).value();
    warn_about_key_file(request.body);
    if (request.body.size() > control::kMaxBody)
      return reader.usage_error("standard input is larger than " +
                                std::to_string(control::kMaxBody) + " bytes");
  }
  auto response = control::call(control::socket_path(daemon::run_root(), name), name, request);
  if (!response) {
    std::fprintf(stderr, "strait config: %s\n", response.error().message.c_str());
    return 1;
  }
  if (!response->ok) {
    // An error message never holds a key.
    std::fprintf(stderr, "strait config: %s\n", std::string(response->body).c_str());
    return 1;
  }
  if (request.verb == control::Verb::kSet || request.verb == control::Verb::kAdd ||
      request.verb == control::Verb::kRemove) {
    // Applied; the body holds the warnings, if any ("warning: ..." lines).
    std::istringstream warnings{std::string(response->body)};
    for (std::string line; std::getline(warnings, line);)
      std::fprintf(stderr, "strait config: %s\n", line.c_str());
    return 0;
  }
  std::fflush(stdout);
  if (!write_all(STDOUT_FILENO, response->body)) {
    std::fprintf(stderr, "strait config: writing standard output: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

std::string_view ps_usage() {
  return kPsUsage;
}

int ps_command(int argc, char** argv) {
  const ArgumentReader reader("strait ps", kPsUsage);
  if (auto done = reader.read(argc, argv)) return *done;
  const std::string root = daemon::run_root();
  auto names = daemon::list_instances(root);
  if (!names) {
    std::fprintf(stderr, "strait ps: %s\n", names.error().message.c_str());
    return 1;
  }
  std::printf("%-20s %-8s %-8s %s\n", "NAME", "PID", "STATE", "CONTROL SOCKET");
  for (const auto& name : *names) {
    const daemon::InstanceStatus status = daemon::probe_instance(root, name);
    const std::string socket = control::socket_path(root, name);
    struct stat info {};
    const bool has_socket = stat(socket.c_str(), &info) == 0;
    std::printf("%-20s %-8ld %-8s %s\n", name.c_str(), status.pid,
                status.running ? "running" : "stale",
                status.running && has_socket ? socket.c_str() : "-");
  }
  return 0;
}

}  // namespace strait::cli
