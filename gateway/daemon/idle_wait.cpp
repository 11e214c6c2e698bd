#include "daemon/idle_wait.hpp"

#include <sys/socket.h>

namespace strait::daemon {

std::size_t idle_wait(std::span<pollfd> fds, int timeout_ms) noexcept {
  if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) return 0;
  std::size_t cleared = 0;
  for (pollfd& fd : fds) {
    if ((fd.revents & POLLERR) == 0) continue;
    int error = 0;
    socklen_t length = sizeof error;
    // Reading SO_ERROR clears the socket's pending error.
    if (getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 && error != 0) ++cleared;
  }
  return cleared;
}

}  // namespace strait::daemon
