#pragma once
// The control socket of a running gateway: AF_UNIX SOCK_STREAM at
// <run root>/NAME.sock, mode 0600, served from the daemon's control thread
// without blocking. Every client is checked with SO_PEERCRED (only
// `allowed_uid`, root, is served), sends one request (protocol.hpp) and
// gets one response; requests are bounded in size and in time, and a
// client that sends garbage, too much, too slowly, or disconnects early
// gets an error (when it can still hear it) and is dropped, while the
// gateway carries on. What a client sends and what it is answered may hold
// keys: received, kept and answered in the secure heap (protocol.hpp).

#include <poll.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/secure_string.hpp"
#include "control/protocol.hpp"

namespace strait::control {

// <root>/<name>.sock
std::string socket_path(const std::string& root, const std::string& name);

struct ServerOptions {
  std::string path;
  uid_t allowed_uid = 0;
  std::size_t max_body = kMaxBody;
  int client_timeout_ms = 10'000;
  std::size_t max_clients = 16;
};

class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  // Binds and listens (replacing a stale socket file at the path).
  static base::Result<std::unique_ptr<Server>> listen(const ServerOptions& options,
                                                      Handler handler);
  ~Server();  // closes every connection and removes the socket file
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The descriptors to poll, appended to `fds`; pass the same range back
  // to handle() after poll(2). handle() also drops clients that are late,
  // so call it at least every second or so.
  void append_pollfds(std::vector<pollfd>& fds) const;
  void handle(std::span<const pollfd> fds);
  // poll(2) on this server's descriptors alone, then handle().
  void run_once(int timeout_ms);

  std::size_t client_count() const { return clients_.size(); }

 private:
  struct Client;
  Server(ServerOptions options, Handler handler, int listen_fd);
  void accept_clients();
  void read_from(Client& client);
  void write_to(Client& client);
  void respond(Client& client, Response response);

  static constexpr std::size_t kReceiveBuffer = 65536;

  ServerOptions options_;
  Handler handler_;
  int listen_fd_;
  base::SecureString receive_buffer_;  // what recv(2) returns: may be key material
  std::vector<std::unique_ptr<Client>> clients_;
};

}  // namespace strait::control
