#include "control/client.hpp"

#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/descriptor.hpp"

namespace strait::control {

namespace {

using base::Descriptor;

std::int64_t now_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000;
}

}  // namespace

base::Result<Response> call(const std::string& socket_path, const std::string& name,
                            const Request& request, int timeout_ms) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path)
    return base::Error{"control socket path " + socket_path + " is too long"};
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  Descriptor fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return base::Error{std::string("socket: ") + std::strerror(errno)};
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED)
      return base::Error{"no running instance '" + name + "': strait ps lists them"};
    if (errno == EACCES || errno == EPERM)
      return base::Error{"permission denied on " + socket_path +
                         ": only root may control a gateway"};
    return base::Error{"cannot reach instance '" + name + "' at " + socket_path + ": " +
                       std::strerror(errno)};
  }
  const std::int64_t deadline = now_ms() + timeout_ms;
  const base::SecureString out = encode(request);
  std::size_t sent = 0;
  while (sent < out.size()) {
    const ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // the gateway stopped reading: its answer says why
    }
    sent += static_cast<std::size_t>(n);
  }
  ResponseReader reader;
  // The answer may be key material (get --secrets): never on a stack.
  base::SecureString receive;
  receive.resize(65536);
  char* const buffer = receive.data();
  for (;;) {
    const std::int64_t left = deadline - now_ms();
    if (left <= 0) return base::Error{"instance '" + name + "' did not answer in time"};
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    const ssize_t n = ::recv(fd.get(), buffer, receive.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::Error{std::string("reading the answer: ") + std::strerror(errno)};
    }
    if (n == 0)
      return base::Error{"instance '" + name + "' closed the connection without an answer"};
    const auto state = reader.feed({buffer, static_cast<std::size_t>(n)});
    sodium_memzero(buffer, static_cast<std::size_t>(n));
    if (state == ResponseReader::State::kError) return base::Error{reader.error()};
    if (state == ResponseReader::State::kComplete) return std::move(reader.response());
  }
}

}  // namespace strait::control
