#include "metrics/metrics_server.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace strait::metrics {

namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

std::string response(std::string_view status, std::string_view content_type, std::string_view body,
                     bool head, std::string_view extra_header = {}) {
  std::string out = "HTTP/1.1 ";
  out += status;
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_header;
  out += "Connection: close\r\n\r\n";
  if (!head) out += body;
  return out;
}

std::string plain(std::string_view status, std::string_view body,
                  std::string_view extra_header = {}) {
  return response(status, "text/plain; charset=utf-8", body, false, extra_header);
}

bool is_token_char(char c) {
  return c > 32 && c < 127;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Client {
  int fd;
  std::int64_t deadline_ms;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  bool responding = false;
  bool closing = false;  // answered: reading what is left until the peer closes
};

// Where a request head ends (after its blank line), or npos.
std::size_t head_end(const std::string& in, std::size_t& head_size) {
  const std::size_t crlf = in.find("\r\n\r\n");
  const std::size_t lf = in.find("\n\n");
  if (crlf != std::string::npos && (lf == std::string::npos || crlf < lf)) {
    head_size = crlf;
    return crlf + 4;
  }
  if (lf != std::string::npos) {
    head_size = lf;
    return lf + 2;
  }
  return std::string::npos;
}

}  // namespace

base::Result<Endpoint> parse_endpoint(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return base::Error{"'" + std::string(text) + "' is not ADDRESS:PORT (e.g. 127.0.0.1:9100)"};
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string_view::npos)
    return base::Error{"'" + std::string(text) +
                       "': write an IPv6 address in brackets ([::1]:9100)"};
  unsigned long value = 0;
  if (port.empty() || port.size() > 5) value = 65536;
  for (char c : port) {
    if (c < '0' || c > '9') value = 65536;
    if (value < 65536) value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (value > 65535)
    return base::Error{"'" + std::string(text) + "': the port must be a number 0-65535"};
  Endpoint endpoint{std::string(host), static_cast<std::uint16_t>(value)};
  if (endpoint.host.empty()) endpoint.host = "::";
  return endpoint;
}

std::string http_response(std::string_view request_head, const std::string* snapshot) {
  const std::size_t line_end = request_head.find_first_of("\r\n");
  const std::string_view line = request_head.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return plain("400 Bad Request", "bad request line\n");
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  for (std::string_view part : {method, target, version})
    for (char c : part)
      if (!is_token_char(c)) return plain("400 Bad Request", "bad request line\n");
  if (method.empty() || target.empty() || !version.starts_with("HTTP/1."))
    return plain("400 Bad Request", "bad request line\n");
  if (const std::size_t query = target.find('?'); query != std::string_view::npos)
    target = target.substr(0, query);
  const bool head = method == "HEAD";
  if (target != "/metrics") return plain("404 Not Found", "only /metrics is here\n");
  if (method != "GET" && !head)
    return plain("405 Method Not Allowed", "GET or HEAD only\n", "Allow: GET, HEAD\r\n");
  if (snapshot == nullptr)
    return plain("503 Service Unavailable", "no state yet, try again in a second\n");
  return response("200 OK", "text/plain; version=0.0.4; charset=utf-8", *snapshot, head);
}

base::Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const Endpoint& endpoint) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(endpoint.port);
  const std::string where = "--metrics " + endpoint.host + ":" + port;
  if (const int e = getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); e != 0)
    return base::Error{where + ": not a numeric address (" + gai_strerror(e) + ")"};
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(found);
    return base::Error{where + ": socket: " + errno_text(errno)};
  }
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 64) != 0) {
    const int error = errno;
    freeaddrinfo(found);
    close(fd);
    return base::Error{
        where + ": " + errno_text(error) +
        (error == EADDRINUSE ? " (another program listens there: pick another port)" : "")};
  }
  freeaddrinfo(found);
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const std::uint16_t actual = bound.ss_family == AF_INET6
                                   ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                   : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(fd);
    return base::Error{where + ": pipe: " + errno_text(errno)};
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer(fd, pipe_fds[0], pipe_fds[1], actual));
  server->thread_ = std::thread([s = server.get()] { s->serve(); });
  return server;
}

MetricsServer::MetricsServer(int listener, int wakeup_read, int wakeup_write, std::uint16_t port)
    : listener_(listener), wakeup_read_(wakeup_read), wakeup_write_(wakeup_write), port_(port) {}

MetricsServer::~MetricsServer() {
  const char byte = 0;
  while (write(wakeup_write_, &byte, 1) < 0 && errno == EINTR) {
  }
  if (thread_.joinable()) thread_.join();
  close(listener_);
  close(wakeup_read_);
  close(wakeup_write_);
}

void MetricsServer::set_snapshot(std::string text) {
  auto shared = std::make_shared<const std::string>(std::move(text));
  const std::lock_guard lock(mutex_);
  snapshot_ = std::move(shared);
}

std::shared_ptr<const std::string> MetricsServer::snapshot() const {
  const std::lock_guard lock(mutex_);
  return snapshot_;
}

void MetricsServer::serve() {
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    fds.push_back({wakeup_read_, POLLIN, 0});
    fds.push_back({listener_, static_cast<short>(clients.size() < kMaxClients ? POLLIN : 0), 0});
    std::int64_t next_deadline = now_ms() + kClientTimeoutMs;
    for (const Client& c : clients) {
      fds.push_back({c.fd, static_cast<short>(c.responding && !c.closing ? POLLOUT : POLLIN), 0});
      next_deadline = std::min(next_deadline, c.deadline_ms);
    }
    const auto wait = std::max<std::int64_t>(0, next_deadline - now_ms());
    if (poll(fds.data(), fds.size(), static_cast<int>(wait)) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) break;  // stop
    const std::int64_t now = now_ms();
    for (std::size_t i = 0; i < clients.size(); ++i) {
      Client& c = clients[i];
      const short events = fds[i + 2].revents;
      bool done = now >= c.deadline_ms;  // too slow: dropped
      if (!done && c.closing && (events & (POLLIN | POLLHUP | POLLERR))) {
        // Unread input would turn close() into a reset that may destroy
        // the answer in flight: drain until the peer closes (or the
        // deadline).
        char buffer[2048];
        const ssize_t n = recv(c.fd, buffer, sizeof(buffer), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) done = true;
      }
      if (!done && !c.responding && (events & (POLLIN | POLLHUP | POLLERR))) {
        char buffer[2048];
        const ssize_t n = recv(c.fd, buffer, sizeof(buffer), 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          done = true;
        } else if (n > 0) {
          c.in.append(buffer, static_cast<std::size_t>(n));
          std::size_t head_size = 0;
          if (head_end(c.in, head_size) != std::string::npos) {
            const auto text = snapshot();
            c.out = http_response(std::string_view(c.in).substr(0, head_size), text.get());
            c.responding = true;
          } else if (c.in.size() > kMaxRequestBytes) {
            c.out = plain("431 Request Header Fields Too Large", "request too large\n");
            c.responding = true;
          }
          if (c.responding) c.in.clear();
        }
      }
      if (!done && c.responding && !c.closing && c.sent < c.out.size()) {
        const ssize_t n =
            send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) c.sent += static_cast<std::size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) done = true;
      }
      if (!done && c.responding && !c.closing && c.sent == c.out.size()) {
        shutdown(c.fd, SHUT_WR);
        c.closing = true;
        c.out.clear();
        c.deadline_ms = std::min(c.deadline_ms, now + kLingerMs);
      }
      if (done) {
        close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(clients, [](const Client& c) { return c.fd < 0; });
    if (fds[1].revents & POLLIN) {
      while (clients.size() < kMaxClients) {
        const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        clients.push_back(Client{fd, now + kClientTimeoutMs, {}, {}, 0, false, false});
      }
    }
  }
  for (const Client& c : clients)
    close(c.fd);
}

}  // namespace strait::metrics
