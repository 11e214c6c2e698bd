#include "top/state_source.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>

#include "config/syntax_tree.hpp"
#include "control/client.hpp"
#include "control/server.hpp"

namespace strait::top {

namespace {

// At most `limit` bytes of a file; nullopt if it cannot be opened.
std::optional<std::string> read_file(const std::string& path, std::size_t limit,
                                     struct stat* info = nullptr) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  if (info != nullptr && fstat(fd, info) != 0) {
    close(fd);
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (text.size() > limit) break;
  }
  close(fd);
  return text;
}

constexpr int kSocketTimeoutMs = 3000;

base::Nanoseconds clock_ns(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<base::Nanoseconds>(t.tv_sec) * base::kSecond +
         static_cast<base::Nanoseconds>(t.tv_nsec);
}

// The queue ids of the running configuration (`get /`): each
// public-interface's queue leaf, 1 if it has none.
std::vector<unsigned> queues_of(const std::string& configuration) {
  std::vector<unsigned> queues;
  auto document = config::parse_document(configuration, "configuration");
  if (!document) return queues;
  for (const auto& s : *document) {
    if (s.keyword != "public-interface4" && s.keyword != "public-interface6") continue;
    unsigned queue = 1;
    for (const auto& leaf : s.children)
      if (leaf.keyword == "queue" && leaf.value) {
        unsigned value = 0;
        const std::string_view text = leaf.value->text;
        if (std::from_chars(text.data(), text.data() + text.size(), value).ec == std::errc{})
          queue = value;
      }
    queues.push_back(queue);
  }
  return queues;
}

}  // namespace

base::Result<StateReading> ControlStateSource::read() {
  const base::Nanoseconds now = clock_ns(CLOCK_MONOTONIC);
  if (last_ && now - last_asked_ < min_period_) return *last_;
  const std::string path = control::socket_path(root_, name_);
  const auto ask = [&](control::Verb verb, std::optional<std::uint16_t> queue,
                       std::string_view what) -> base::Result<std::string> {
    control::Request request;
    request.verb = verb;
    request.path = "/";
    request.queue = queue;
    auto response = control::call(path, name_, request, kSocketTimeoutMs);
    if (!response) return response.error();
    // Neither answer holds a key (get without --secrets, get-state).
    if (!response->ok) return base::Error{std::string(what) + ": " + std::string(response->body)};
    return std::string(response->body);
  };
  auto configuration = ask(control::Verb::kGet, std::nullopt, "get /");
  if (!configuration) return configuration.error();
  StateReading reading;
  auto summed = ask(control::Verb::kGetState, std::nullopt, "get-state");
  if (!summed) return summed.error();
  reading.taken = clock_ns(CLOCK_REALTIME);
  reading.documents.push_back({std::nullopt, std::move(*summed)});
  const std::vector<unsigned> queues = queues_of(*configuration);
  if (queues.size() > 1)
    for (unsigned queue : queues) {
      auto state = ask(control::Verb::kGetState, static_cast<std::uint16_t>(queue),
                       "get-state --queue " + std::to_string(queue));
      if (!state) continue;  // gone meanwhile (reconfigured)
      reading.documents.push_back({queue, std::move(*state)});
    }
  last_ = reading;
  last_asked_ = now;
  return reading;
}

base::Result<StateReading> FallbackStateSource::read() {
  auto reading = socket_.read();
  if (reading) {
    from_socket_ = true;
    socket_error_.clear();
    return reading;
  }
  from_socket_ = false;
  socket_error_ = reading.error().message;
  return file_.read();
}

base::Result<StateReading> FileStateSource::read() {
  const std::string directory = root_ + "/" + name_;
  const std::string pid_path = directory + "/pid";
  const auto pid_text = read_file(pid_path, 64);
  if (!pid_text)
    return base::Error{"no gateway named '" + name_ + "' is running (no " + pid_path +
                       "): start it with `strait run --name " + name_ +
                       " ...`, or set STRAIT_RUN_DIR to the run directory it uses"};
  long pid = 0;
  const char* begin = pid_text->data();
  const auto parsed = std::from_chars(begin, begin + pid_text->size(), pid);
  if (parsed.ec != std::errc{} || pid <= 0 ||
      (kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM))
    return base::Error{"the gateway named '" + name_ + "' is not running (" + pid_path +
                       " names no live process)"};
  struct stat info {};
  auto text = read_file(directory + "/gateway-state", 64u << 20, &info);
  if (!text)
    return base::Error{"the gateway named '" + name_ + "' has not written " + directory +
                       "/gateway-state yet"};
  StateReading reading;
  reading.documents.push_back({std::nullopt, std::move(*text)});
  reading.taken = static_cast<base::Nanoseconds>(info.st_mtim.tv_sec) * base::kSecond +
                  static_cast<base::Nanoseconds>(info.st_mtim.tv_nsec);
  return reading;
}

}  // namespace strait::top
