#include "config/load.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/schema.hpp"
#include "config/syntax_tree.hpp"

namespace strait::config {

base::Result<GatewayConfig> load(std::string_view text, std::string_view file_name) {
  auto document = parse_document(text, file_name);
  if (!document.ok()) return document.error();
  return apply_schema(document.value(), file_name);
}

base::Result<GatewayConfig> load_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return load(*text, path);
}

base::Result<base::SecureString> read_file(const std::string& path, FileAccess* access) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return base::Error{path + ": cannot open configuration file: " + std::strerror(errno)};
  base::SecureString text;
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    const int error = errno;
    ::close(fd);
    return base::Error{path + ": cannot read configuration file: " + std::strerror(error)};
  }
  if (access != nullptr) *access = FileAccess{status.st_mode, status.st_uid};
  // A regular file's size, so that the buffer is not outgrown (each growth
  // is a copy, though within the secure heap).
  if (S_ISREG(status.st_mode) && status.st_size > 0)
    text.reserve(static_cast<std::size_t>(status.st_size) + 1);
  constexpr std::size_t kChunk = 16384;
  for (;;) {
    const std::size_t used = text.size();
    if (text.capacity() - used < kChunk) text.reserve(std::max(text.capacity() * 2, used + kChunk));
    text.resize(text.capacity());
    const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
    if (n < 0 && errno == EINTR) {
      text.resize(used);
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      return base::Error{path + ": cannot read configuration file: " + std::strerror(error)};
    }
    text.resize(used + static_cast<std::size_t>(n));
    if (n == 0) break;
  }
  ::close(fd);
  return text;
}

}  // namespace strait::config
