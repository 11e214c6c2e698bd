#pragma once
// A small HTTP/1.1 server for Prometheus: GET (or HEAD) /metrics answers
// with the latest snapshot given to set_snapshot(); any other path is 404,
// any other method 405, anything unparsable 400. One thread of its own,
// poll(2)-driven, non-blocking sockets: a slow or silent client never
// holds up another (requests are bounded in size, clients in number and
// in time), and the data plane is never touched: the snapshot is text the
// control thread rendered. Every response closes the connection.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.hpp"

namespace strait::metrics {

struct Endpoint {
  std::string host;  // numeric IPv4 or IPv6 address
  std::uint16_t port = 0;
};

// "127.0.0.1:9100", "[::1]:9100", "0.0.0.0:9100", ":9100" (every address).
base::Result<Endpoint> parse_endpoint(std::string_view text);

class MetricsServer {
 public:
  static constexpr std::size_t kMaxRequestBytes = 8192;
  static constexpr std::size_t kMaxClients = 64;
  static constexpr int kClientTimeoutMs = 10000;  // to send a request and read the answer
  static constexpr int kLingerMs = 1000;          // after the answer, for the peer to close

  // Binds and listens (errors name the address), then serves on a thread.
  static base::Result<std::unique_ptr<MetricsServer>> start(const Endpoint& endpoint);
  ~MetricsServer();  // stops and joins the thread, closes every socket
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Thread-safe: what the next GET /metrics returns (503 until the first).
  void set_snapshot(std::string text);
  // The port listened on (the one the kernel chose when asked for 0).
  std::uint16_t port() const noexcept { return port_; }

 private:
  MetricsServer(int listener, int wakeup_read, int wakeup_write, std::uint16_t port);
  void serve();
  std::shared_ptr<const std::string> snapshot() const;

  int listener_;
  int wakeup_read_;
  int wakeup_write_;
  std::uint16_t port_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> snapshot_;  // guarded by mutex_
  std::thread thread_;
};

// The response to one complete request head (request line and headers,
// without the blank line that ends them); exposed for tests.
std::string http_response(std::string_view request_head, const std::string* snapshot);

}  // namespace strait::metrics
