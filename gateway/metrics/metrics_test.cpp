#define BOOST_TEST_MODULE metrics
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "metrics/exposition.hpp"
#include "metrics/metrics_server.hpp"

using namespace strait;

namespace {

constexpr const char* kState = R"(gateway-state {
  private-interface {
    rxbytes 1500;
    rxpackets 10;
    txdrop 2;
  }
  public-dispatch {
    rxerrors 0;
    protocol-errors 3;
  }
  key-manager {
    negotiations-initiated 4;
  }
  inbound-sa {
    spi 1234;
    queue 1;
    route loopback;
    sa-state {
      rxerrors 0;
      decrypt-errors 7;
    }
    age 12;
    expires-in 588;
    highest-sequence 99;
  }
  inbound-sa {
    spi 1235;
    queue 1;
    route loopback;
    sa-state {
      rxerrors 0;
      decrypt-errors 0;
    }
    highest-sequence 0;
  }
  outbound-sa {
    route loopback;
    queue 1;
    spi 4321;
    packets 55;
    age 12;
    expires-in 588;
    rekey-in 288;
  }
}
)";

std::string render(std::string_view instance, std::string_view text) {
  auto out = metrics::render_exposition(instance, text);
  BOOST_REQUIRE_MESSAGE(out.ok(), (out.ok() ? std::string() : out.error().message));
  return *out;
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

// Sends `request`, reads until the server closes; "" if nothing came.
std::string http_exchange(std::uint16_t port, std::string_view request) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  BOOST_REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
                static_cast<ssize_t>(request.size()));
  std::string reply;
  pollfd p{fd, POLLIN, 0};
  while (poll(&p, 1, 5000) == 1) {
    char buffer[4096];
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    reply.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  return reply;
}

}  // namespace

BOOST_AUTO_TEST_CASE(names_types_and_labels) {
  const std::string text = render("paris", kState);
  BOOST_TEST(has_line(text, "# TYPE strait_private_interface_rx_packets_total counter"));
  BOOST_TEST(has_line(text, "strait_private_interface_rx_packets_total{instance=\"paris\"} 10"));
  BOOST_TEST(has_line(text, "strait_private_interface_rx_bytes_total{instance=\"paris\"} 1500"));
  BOOST_TEST(has_line(text, "strait_private_interface_tx_drop_total{instance=\"paris\"} 2"));
  BOOST_TEST(has_line(text, "strait_public_dispatch_protocol_errors_total{instance=\"paris\"} 3"));
  BOOST_TEST(
      has_line(text, "strait_key_manager_negotiations_initiated_total{instance=\"paris\"} 4"));
  BOOST_TEST(
      has_line(text,
               "strait_inbound_sa_decrypt_errors_total{instance=\"paris\",route=\"loopback\","
               "queue=\"1\",spi=\"1234\"} 7"));
  BOOST_TEST(has_line(text, "# TYPE strait_inbound_sa_age_seconds gauge"));
  BOOST_TEST(has_line(text,
                      "strait_outbound_sa_rekey_in_seconds{instance=\"paris\",route=\"loopback\","
                      "queue=\"1\",spi=\"4321\"} 288"));
  BOOST_TEST(has_line(text,
                      "strait_outbound_sa_packets_total{instance=\"paris\",route=\"loopback\","
                      "queue=\"1\",spi=\"4321\"} 55"));
  BOOST_TEST(has_line(text, "# TYPE strait_inbound_sas gauge"));
  BOOST_TEST(has_line(text, "strait_inbound_sas{instance=\"paris\",queue=\"1\"} 2"));
  BOOST_TEST(has_line(text, "strait_outbound_sas{instance=\"paris\",queue=\"1\"} 1"));
}

BOOST_AUTO_TEST_CASE(every_family_once_with_help_and_type_before_its_samples) {
  const std::string text = render("paris", kState);
  std::set<std::string> typed, finished, samples;
  std::string current;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("# HELP ")) continue;
    if (line.starts_with("# TYPE ")) {
      const std::string name = line.substr(7, line.find(' ', 7) - 7);
      BOOST_TEST(typed.insert(name).second, "second TYPE for " << name);
      if (!current.empty()) finished.insert(current);
      current = name;
      continue;
    }
    const std::string name = line.substr(0, line.find_first_of("{ "));
    BOOST_TEST(name == current, line);
    BOOST_TEST(samples.insert(line.substr(0, line.rfind(' '))).second, "duplicate " << line);
  }
  BOOST_TEST(typed.size() > 10u);
}

BOOST_AUTO_TEST_CASE(per_queue_documents_and_escaping) {
  auto q1 = config::parse_document(
      "gateway-state { public-interface { rxpackets 5; } inbound-sa { spi 300; queue 1; route a; "
      "sa-state { rxerrors 1; } } }",
      "q1");
  auto q2 = config::parse_document("gateway-state { public-interface { rxpackets 6; } }", "q2");
  BOOST_REQUIRE(q1.ok());
  BOOST_REQUIRE(q2.ok());
  const metrics::QueueState states[] = {{1u, &*q1}, {2u, &*q2}, {2u, &*q2}};
  const std::string text = metrics::render_exposition("a\"b\\c\nd", states);
  const std::string instance = "instance=\"a\\\"b\\\\c\\nd\"";
  BOOST_TEST(
      has_line(text, "strait_public_interface_rx_packets_total{" + instance + ",queue=\"1\"} 5"));
  BOOST_TEST(
      has_line(text, "strait_public_interface_rx_packets_total{" + instance + ",queue=\"2\"} 6"));
  // The repeated queue-2 document adds nothing.
  BOOST_TEST(text.find("queue=\"2\"} 6") == text.rfind("queue=\"2\"} 6"));
  BOOST_TEST(has_line(text, "strait_inbound_sa_rx_errors_total{" + instance +
                                ",route=\"a\",queue=\"1\",spi=\"300\"} 1"));
  BOOST_TEST(has_line(text, "strait_inbound_sas{" + instance + ",queue=\"1\"} 1"));
  BOOST_TEST(has_line(text, "strait_inbound_sas{" + instance + ",queue=\"2\"} 0"));
  BOOST_TEST(metrics::escape_label_value("plain") == "plain");
  BOOST_TEST(metrics::metric_name_part("rxmcast") == "rx_mcast");
  BOOST_TEST(metrics::metric_name_part("inbound-icmp4") == "inbound_icmp4");
  BOOST_TEST(metrics::metric_name_part("route-errors") == "route_errors");
}

BOOST_AUTO_TEST_CASE(no_sa_is_a_zero_count) {
  const std::string text = render("paris", "gateway-state { key-manager { rxerrors 0; } }");
  BOOST_TEST(has_line(text, "strait_inbound_sas{instance=\"paris\"} 0"));
  BOOST_TEST(has_line(text, "strait_outbound_sas{instance=\"paris\"} 0"));
  BOOST_TEST(has_line(text, "strait_key_manager_rx_errors_total{instance=\"paris\"} 0"));
}

BOOST_AUTO_TEST_CASE(unparsable_state_is_an_error) {
  BOOST_TEST(!metrics::render_exposition("paris", "gateway-state { x ").ok());
}

BOOST_AUTO_TEST_CASE(endpoints) {
  auto a = metrics::parse_endpoint("127.0.0.1:9100");
  BOOST_REQUIRE(a.ok());
  BOOST_TEST(a->host == "127.0.0.1");
  BOOST_TEST(a->port == 9100);
  auto b = metrics::parse_endpoint("[::1]:0");
  BOOST_REQUIRE(b.ok());
  BOOST_TEST(b->host == "::1");
  BOOST_TEST(metrics::parse_endpoint(":9100")->host == "::");
  BOOST_TEST(!metrics::parse_endpoint("127.0.0.1").ok());
  BOOST_TEST(!metrics::parse_endpoint("127.0.0.1:70000").ok());
  BOOST_TEST(!metrics::parse_endpoint("127.0.0.1:x").ok());
  BOOST_TEST(!metrics::parse_endpoint("::1:9100").ok());
}

BOOST_AUTO_TEST_CASE(http_answers) {
  const std::string snapshot = "a_total 1\n";
  auto ok = metrics::http_response("GET /metrics HTTP/1.1\r\nHost: x", &snapshot);
  BOOST_TEST(ok.starts_with("HTTP/1.1 200 OK\r\n"));
  BOOST_TEST(ok.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  BOOST_TEST(ok.find("Content-Length: 10\r\n") != std::string::npos);
  BOOST_TEST(ok.ends_with("\r\n\r\na_total 1\n"));
  auto head = metrics::http_response("HEAD /metrics?x=1 HTTP/1.0", &snapshot);
  BOOST_TEST(head.starts_with("HTTP/1.1 200 OK"));
  BOOST_TEST(head.ends_with("\r\n\r\n"));
  BOOST_TEST(metrics::http_response("GET / HTTP/1.1", &snapshot).starts_with("HTTP/1.1 404"));
  auto post = metrics::http_response("POST /metrics HTTP/1.1", &snapshot);
  BOOST_TEST(post.starts_with("HTTP/1.1 405"));
  BOOST_TEST(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
  BOOST_TEST(metrics::http_response("GET /metrics HTTP/1.1", nullptr).starts_with("HTTP/1.1 503"));
  for (const char* garbage : {"", "GET", "GET /metrics", "GET /metrics FTP/1.0",
                              "GET  /metrics HTTP/1.1", "\x01\x02\x03 / HTTP/1.1"})
    BOOST_TEST(metrics::http_response(garbage, &snapshot).starts_with("HTTP/1.1 400"), garbage);
}

BOOST_AUTO_TEST_CASE(server_serves_snapshots_and_survives_bad_clients) {
  auto server = metrics::MetricsServer::start({"127.0.0.1", 0});
  BOOST_REQUIRE_MESSAGE(server.ok(), (server.ok() ? std::string() : server.error().message));
  const std::uint16_t port = (*server)->port();
  BOOST_TEST(port != 0);
  BOOST_TEST(http_exchange(port, "GET /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 503"));
  (*server)->set_snapshot("strait_x_total 1\n");

  // A silent client and one that sends half a request stay connected
  // while others are served.
  const int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int half = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(connect(silent, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  BOOST_REQUIRE(connect(half, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  BOOST_REQUIRE(send(half, "GET /met", 8, MSG_NOSIGNAL) == 8);

  const std::string reply = http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(reply.starts_with("HTTP/1.1 200 OK"));
  BOOST_TEST(reply.ends_with("\r\n\r\nstrait_x_total 1\n"));
  BOOST_TEST(http_exchange(port, "GET /other HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
  BOOST_TEST(http_exchange(port, "DELETE /metrics HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
  BOOST_TEST(http_exchange(port, "\x16\x03\x01 garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
  BOOST_TEST(http_exchange(port, std::string(20000, 'A')).starts_with("HTTP/1.1 431"));

  // The half request completes later and is answered.
  BOOST_REQUIRE(send(half, "rics HTTP/1.1\r\n\r\n", 17, MSG_NOSIGNAL) == 17);
  std::string late;
  pollfd p{half, POLLIN, 0};
  while (poll(&p, 1, 5000) == 1) {
    char buffer[1024];
    const ssize_t n = recv(half, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    late.append(buffer, static_cast<std::size_t>(n));
  }
  BOOST_TEST(late.starts_with("HTTP/1.1 200 OK"));
  (*server)->set_snapshot("strait_x_total 2\n");
  BOOST_TEST(http_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n").ends_with("strait_x_total 2\n"));
  close(silent);
  close(half);
  server->reset();  // stops with no hang
}

BOOST_AUTO_TEST_CASE(port_in_use_is_a_clear_error) {
  auto first = metrics::MetricsServer::start({"127.0.0.1", 0});
  BOOST_REQUIRE(first.ok());
  auto second = metrics::MetricsServer::start({"127.0.0.1", (*first)->port()});
  BOOST_REQUIRE(!second.ok());
  BOOST_TEST(second.error().message.find("--metrics 127.0.0.1:") != std::string::npos);
}
