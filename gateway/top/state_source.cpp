#include "top/state_source.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

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

}  // namespace

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
