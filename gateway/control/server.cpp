#include "control/server.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/log.hpp"

namespace strait::control {

namespace {

std::int64_t now_ms() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1000 + t.tv_nsec / 1'000'000;
}

std::string errno_text(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

std::string socket_path(const std::string& root, const std::string& name) {
  return root + "/" + name + ".sock";
}

struct Server::Client {
  int fd = -1;
  std::int64_t deadline_ms = 0;
  RequestReader reader;
  base::SecureString out;
  std::size_t written = 0;
  bool responding = false;  // out holds the response; close once written
  bool closed = false;
  explicit Client(std::size_t max_body) : reader(max_body) {}
  ~Client() {
    if (fd >= 0) ::close(fd);
  }
};

base::Result<std::unique_ptr<Server>> Server::listen(const ServerOptions& options,
                                                     Handler handler) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (options.path.size() >= sizeof address.sun_path)
    return base::Error{"control socket path " + options.path + " is longer than " +
                       std::to_string(sizeof address.sun_path - 1) +
                       " bytes: use a shorter $STRAIT_RUN_DIR or instance name"};
  std::memcpy(address.sun_path, options.path.c_str(), options.path.size() + 1);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::Error{errno_text("control socket")};
  // The caller holds the instance's pid lock: a file here is stale.
  ::unlink(options.path.c_str());
  const mode_t old_mask = ::umask(0177);  // created 0600, never wider
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  ::umask(old_mask);
  if (bound != 0) {
    auto error = errno_text(("control socket " + options.path).c_str());
    ::close(fd);
    return base::Error{error};
  }
  if (::chmod(options.path.c_str(), 0600) != 0 || ::listen(fd, 16) != 0) {
    auto error = errno_text(("control socket " + options.path).c_str());
    ::close(fd);
    ::unlink(options.path.c_str());
    return base::Error{error};
  }
  return std::unique_ptr<Server>(new Server(options, std::move(handler), fd));
}

Server::Server(ServerOptions options, Handler handler, int listen_fd)
    : options_(std::move(options)), handler_(std::move(handler)), listen_fd_(listen_fd) {
  receive_buffer_.resize(kReceiveBuffer);
}

Server::~Server() {
  clients_.clear();
  ::close(listen_fd_);
  ::unlink(options_.path.c_str());
}

void Server::append_pollfds(std::vector<pollfd>& fds) const {
  fds.push_back(pollfd{listen_fd_, POLLIN, 0});
  for (const auto& c : clients_)
    fds.push_back(pollfd{c->fd, static_cast<short>(c->responding ? POLLOUT : POLLIN), 0});
}

void Server::handle(std::span<const pollfd> fds) {
  // fds[0] is the listening socket, then the clients in order.
  for (std::size_t i = 1; i < fds.size() && i - 1 < clients_.size(); ++i) {
    Client& c = *clients_[i - 1];
    if (c.fd != fds[i].fd || fds[i].revents == 0) continue;
    if (c.responding) {
      if (fds[i].revents & (POLLOUT | POLLERR | POLLHUP)) write_to(c);
    } else {
      read_from(c);
    }
  }
  const std::int64_t now = now_ms();
  for (auto& c : clients_) {
    if (c->closed || now < c->deadline_ms) continue;
    if (!c->responding) {
      LOG_WARN("control: a client sent no complete request within " +
               std::to_string(options_.client_timeout_ms) + " ms; dropped");
      respond(*c, Response{false, "request timed out: send the whole request within " +
                                      std::to_string(options_.client_timeout_ms) + " ms"});
    }
    c->closed = true;  // late reader or late request: give up
  }
  std::erase_if(clients_, [](const auto& c) { return c->closed; });
  if (!fds.empty() && (fds[0].revents & POLLIN)) accept_clients();
}

void Server::run_once(int timeout_ms) {
  std::vector<pollfd> fds;
  append_pollfds(fds);
  ::poll(fds.data(), fds.size(), timeout_ms);
  handle(fds);
}

void Server::accept_clients() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a client that already left
    auto client = std::make_unique<Client>(options_.max_body);
    client->fd = fd;
    client->deadline_ms = now_ms() + options_.client_timeout_ms;
    if (clients_.size() >= options_.max_clients) {
      LOG_WARN("control: too many clients at once; one refused");
      respond(*client, Response{false, "the gateway is busy with other control requests: retry"});
      client->closed = true;  // the response is best effort
      continue;
    }
    ucred peer{};
    socklen_t length = sizeof peer;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 ||
        peer.uid != options_.allowed_uid) {
      LOG_WARN("control: refused a client of uid " + std::to_string(peer.uid) + " (only uid " +
               std::to_string(options_.allowed_uid) + " may use the socket)");
      respond(*client, Response{false, "permission denied: only root may control the gateway"});
      clients_.push_back(std::move(client));
      continue;
    }
    clients_.push_back(std::move(client));
  }
}

void Server::read_from(Client& c) {
  // Requests may carry keys: received into the secure heap, never a stack.
  char* buffer = receive_buffer_.data();
  for (;;) {
    const ssize_t n = ::recv(c.fd, buffer, receive_buffer_.size(), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      c.closed = true;
      return;
    }
    if (n == 0) {
      if (c.reader.state() == RequestReader::State::kIncomplete)
        LOG_WARN("control: a client disconnected in the middle of a request; nothing changed");
      c.closed = true;
      return;
    }
    const auto state = c.reader.feed({buffer, static_cast<std::size_t>(n)});
    sodium_memzero(buffer, static_cast<std::size_t>(n));  // the reader has its own copy
    if (state == RequestReader::State::kError) {
      LOG_WARN("control: bad request: " + c.reader.error());
      respond(c, Response{false, c.reader.error()});
      return;
    }
    if (state == RequestReader::State::kComplete) {
      Response response = handler_(c.reader.request());
      respond(c, std::move(response));
      return;
    }
  }
}

void Server::respond(Client& c, Response response) {
  c.out = encode(response);
  c.written = 0;
  c.responding = true;
  // A reader gets as long again as the request had, to take the answer.
  c.deadline_ms = now_ms() + options_.client_timeout_ms;
  ::shutdown(c.fd, SHUT_RD);
  write_to(c);
}

void Server::write_to(Client& c) {
  while (c.written < c.out.size()) {
    const ssize_t n =
        ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (errno == EINTR) continue;
      c.closed = true;  // the client left before the answer
      return;
    }
    c.written += static_cast<std::size_t>(n);
  }
  c.closed = true;
}

}  // namespace strait::control
