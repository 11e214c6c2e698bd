#define BOOST_TEST_MODULE control_gateway
// strait config against a running gateway, in process: the control server
// and controller in front of paris's workers of the two-site harness
// (in-memory wires, key exchange), driven through the real socket by the
// client, while traffic flows.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <string>

#include "config/syntax_tree.hpp"
#include "control/client.hpp"
#include "control/controller.hpp"
#include "control/server.hpp"
#include "testing/sample_sites.hpp"
#include "testing/two_sites.hpp"
#include "worker/state_report.hpp"

using namespace strait;
using namespace strait::control;
using strait::testing::SiteId;

namespace {

// paris's workers as the daemon drives them: check every queue, then
// apply to every queue.
class SiteGateway final : public ManagedGateway {
 public:
  SiteGateway(testing::TwoSites& sites, SiteId id) : sites_(sites), id_(id) {}
  base::Status apply(const config::GatewayConfig& config) override {
    std::vector<worker::Worker::Reconfiguration> prepared;
    for (std::uint16_t q = 1; q <= sites_.queues(id_); ++q) {
      auto p = sites_.worker(id_, q).prepare_reconfigure(config);
      if (!p) return base::Error{"queue " + std::to_string(q) + ": " + p.error().message};
      prepared.push_back(std::move(p).value());
    }
    for (std::uint16_t q = 1; q <= sites_.queues(id_); ++q)
      sites_.worker(id_, q).commit_reconfigure(config, std::move(prepared[q - 1]));
    ++applied;
    return base::Ok{};
  }
  base::Result<std::string> state(std::optional<std::uint16_t> queue) override {
    std::vector<const worker::Worker*> workers;
    for (std::uint16_t q = 1; q <= sites_.queues(id_); ++q)
      if (!queue || *queue == q) workers.push_back(&sites_.worker(id_, q));
    if (workers.empty()) return base::Error{"no queue " + std::to_string(*queue)};
    return worker::render_gateway_state(workers);
  }
  int applied = 0;

 private:
  testing::TwoSites& sites_;
  SiteId id_;
};

struct Fixture {
  Fixture() : sites(options()), gateway(sites, SiteId::kParis) {
    directory =
        std::filesystem::temp_directory_path() / ("strait-control-" + std::to_string(getpid()));
    std::filesystem::create_directories(directory);
    const std::string text = testing::site_config(sites.site(SiteId::kParis),
                                                  sites.site(SiteId::kTokyo), options().paris);
    auto document = config::parse_document(text, "paris.conf");
    BOOST_REQUIRE(document.ok());
    controller = std::make_unique<Controller>(gateway, std::move(document).value());
    ServerOptions o;
    o.path = socket_path(directory.string(), "paris");
    o.allowed_uid = geteuid();
    o.client_timeout_ms = 500;
    auto s = Server::listen(o, [this](const Request& r) { return controller->handle(r); });
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message));
    server = std::move(s).value();
    sites.run();
    BOOST_REQUIRE(testing::round_trip(sites, 1));  // keyed
  }
  ~Fixture() {
    server.reset();
    std::filesystem::remove_all(directory);
  }
  static testing::TwoSitesOptions options() { return {}; }

  // One request through the socket (the client on another thread, the
  // server on this one, as in the daemon's control thread).
  Response call(Verb verb, const std::string& path, const std::string& body = "", bool json = false,
                std::optional<std::uint16_t> queue = std::nullopt) {
    Request r;
    r.verb = verb;
    r.path = path;
    r.body = body;
    r.json = json;
    r.queue = queue;
    auto answer = std::async(std::launch::async, [&] {
      return control::call(socket_path(directory.string(), "paris"), "paris", r, 5000);
    });
    for (int i = 0; i < 500; ++i) {
      if (answer.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
      server->run_once(10);
    }
    auto result = answer.get();
    if (!result) return Response{false, "CLIENT " + result.error().message};
    return std::move(result).value();
  }
  std::string get(const std::string& path, bool json = false) {
    const Response r = call(Verb::kGet, path, "", json);
    return r.ok ? std::string(r.body) : "ERROR " + std::string(r.body);
  }
  std::string state(const std::string& path, std::optional<std::uint16_t> queue = std::nullopt,
                    bool json = false) {
    const Response r = call(Verb::kGetState, path, "", json, queue);
    return r.ok ? std::string(r.body) : "ERROR " + std::string(r.body);
  }
  // Sends n datagrams from paris's LAN to tokyo's; returns how many arrived.
  std::size_t send_to_tokyo(std::size_t n, std::uint8_t seed) {
    const auto& p = sites.site(SiteId::kParis);
    const auto& t = sites.site(SiteId::kTokyo);
    std::size_t arrived = 0;
    for (std::size_t i = 0; i < n; ++i) {
      sites.send_private(
          SiteId::kParis,
          testing::lan_frame(
              p, testing::host_datagram(p, t, 100, static_cast<std::uint8_t>(seed + i))));
      sites.run();
      arrived += sites.take_private(SiteId::kTokyo).size();
    }
    return arrived;
  }

  std::filesystem::path directory;
  testing::TwoSites sites;
  SiteGateway gateway;
  std::unique_ptr<Controller> controller;
  std::unique_ptr<Server> server;
};

const char* kKyoto =
    "id kyoto;\n"
    "gateway { ip 198.51.100.77; }\n"
    "net \"10.77.0.0/16\";\n"
    "preshared-key \"7777777777777777777777777777777777777777777777777777777777777777\";\n"
    "spi 7777;\n";

}  // namespace

BOOST_FIXTURE_TEST_SUITE(control_gateway, Fixture)

BOOST_AUTO_TEST_CASE(get_of_each_path_form_through_the_socket) {
  const std::string all = get("/");
  BOOST_TEST(all.starts_with("private-interface4 {\n  ifname lan0;\n"));
  BOOST_TEST(all.find("preshared-key \"(secret)\";") != std::string::npos);
  BOOST_TEST(get("/mtu") == "1440\n");
  BOOST_TEST(get("/route4[id=tokyo]/spi") == std::to_string(testing::kSampleRouteSpi) + "\n");
  BOOST_TEST(get("/private-interface4/ifname") == "lan0\n");
  BOOST_TEST(get("/route4").starts_with("route4 {\n  id tokyo;\n"));
  BOOST_TEST(get("/route4[id=tokyo]").starts_with("id tokyo;\ngateway {\n"));
  BOOST_TEST(get("/route4[id=tokyo]/gateway[queue=1]/ip") ==
             sites.site(SiteId::kTokyo).public_ip.to_string() + "\n");
  BOOST_TEST(get("/", true).starts_with("{\"private-interface4\":{\"ifname\":\"lan0\""));
  BOOST_TEST(get("/route4[id=osaka]") == "ERROR nothing at /route4[id=osaka]");
  BOOST_TEST(get("/route4[id=") ==
             "ERROR malformed path at column 12: expected a key value (the path ends there)");
}

BOOST_AUTO_TEST_CASE(set_add_remove_change_the_running_gateway) {
  // A leaf: mtu, live.
  BOOST_TEST(call(Verb::kSet, "/mtu", "1300\n").ok);
  BOOST_TEST(get("/mtu") == "1300\n");
  const auto& p = sites.site(SiteId::kParis);
  const auto& t = sites.site(SiteId::kTokyo);
  sites.send_private(SiteId::kParis, testing::lan_frame(p, testing::host_datagram(p, t, 1400, 9)));
  sites.run();
  BOOST_TEST(sites.worker(SiteId::kParis).private_router().mtu_errors == 1u);
  BOOST_TEST(sites.take_private(SiteId::kTokyo).empty());
  BOOST_TEST(sites.take_private(SiteId::kParis).size() == 1u);  // Fragmentation Needed
  // add, then remove, a route.
  BOOST_TEST(call(Verb::kAdd, "/route4", kKyoto).ok);
  BOOST_TEST(get("/route4[id=kyoto]/spi") == "7777\n");
  BOOST_TEST(sites.worker(SiteId::kParis).route_ids().size() == 2u);
  BOOST_TEST(call(Verb::kRemove, "/route4[id=kyoto]").ok);
  BOOST_TEST(get("/route4[id=kyoto]") == "ERROR nothing at /route4[id=kyoto]");
  BOOST_TEST(sites.worker(SiteId::kParis).route_ids().size() == 1u);
  // A container: the private next hop.
  const std::string interface = get("/private-interface4");
  const std::string other_mac = "nexthop-mac 02:00:00:00:00:99;";
  std::string changed = interface;
  const auto at = changed.find("nexthop-mac ");
  BOOST_REQUIRE(at != std::string::npos);
  changed.replace(at, changed.find(';', at) - at + 1, other_mac);
  BOOST_TEST(call(Verb::kSet, "/private-interface4", changed).ok);
  BOOST_TEST(get("/private-interface4/nexthop-mac") == "02:00:00:00:00:99\n");
  BOOST_TEST(!testing::round_trip(sites, 20));  // tokyo -> paris goes to the new next hop
  BOOST_TEST(call(Verb::kSet, "/private-interface4", interface).ok);
  BOOST_TEST(testing::round_trip(sites, 25));
  // The whole document back, secrets included.
  const std::string original = testing::site_config(p, t, Fixture::options().paris);
  BOOST_TEST(call(Verb::kSet, "/", original).ok);
  BOOST_TEST(get("/mtu") == "1440\n");
  BOOST_TEST(testing::round_trip(sites, 30));
}

BOOST_AUTO_TEST_CASE(rejected_transactions_leave_everything_as_it_was) {
  const std::string before = get("/");
  const int applied = gateway.applied;
  const esp::OutboundSa* sa = sites.worker(SiteId::kParis).sas().outbound(0);
  const auto rejected = [&](Verb verb, const std::string& path, const std::string& body) {
    const Response r = call(verb, path, body);
    BOOST_TEST(!r.ok, path);
    BOOST_TEST(get("/") == before, path);
    return std::string(r.body);
  };
  // Schema: a located message, and the running configuration stays.
  BOOST_TEST(rejected(Verb::kSet, "/mtu", "99999").starts_with("stdin:1:1: "));
  // Syntax of the value.
  BOOST_TEST(rejected(Verb::kSet, "/route4[id=tokyo]", "id tokyo; spi {") ==
             "stdin:1:16: expected '}' to close 'spi' opened at 1:11, found end of file "
             "(nothing changed: the gateway runs the configuration it ran)");
  // What needs a restart.
  BOOST_TEST(rejected(Verb::kSet, "/private-interface4/ip", "192.0.2.200")
                 .starts_with("queue 1: changing private-interface ip needs a restart"));
  BOOST_TEST(
      rejected(Verb::kRemove,
               "/public-interface4[ip=" + sites.site(SiteId::kParis).public_ip.to_string() + "]",
               "")
          .find("public-interface") != std::string::npos);
  // A duplicate route SPI.
  std::string clash = kKyoto;
  clash.replace(clash.find("spi 7777"), 8, "spi 1234");
  BOOST_TEST(rejected(Verb::kAdd, "/route4", clash).find("spi") != std::string::npos);
  BOOST_TEST(rejected(Verb::kRemove, "/", "").starts_with("cannot remove /"));
  BOOST_TEST(rejected(Verb::kSet, "/mtu]", "1").starts_with("malformed path at column 5"));
  BOOST_TEST(rejected(Verb::kSet, "/mtu", "x").find("nothing changed") != std::string::npos);
  BOOST_TEST(gateway.applied == applied);
  BOOST_TEST(sites.worker(SiteId::kParis).sas().outbound(0) == sa);
  BOOST_TEST(testing::round_trip(sites, 40));
}

BOOST_AUTO_TEST_CASE(routes_come_and_go_under_traffic_without_loss_on_others) {
  const esp::OutboundSa* sa = sites.worker(SiteId::kParis).sas().outbound(0);
  std::size_t sent = 0, arrived = 0;
  for (int round = 0; round < 5; ++round) {
    arrived += send_to_tokyo(20, static_cast<std::uint8_t>(round * 40));
    sent += 20;
    BOOST_REQUIRE(call(Verb::kAdd, "/route4", kKyoto).ok);
    arrived += send_to_tokyo(20, static_cast<std::uint8_t>(round * 40 + 20));
    sent += 20;
    BOOST_REQUIRE(call(Verb::kRemove, "/route4[id=kyoto]").ok);
  }
  arrived += send_to_tokyo(10, 250);
  sent += 10;
  BOOST_TEST(arrived == sent);
  // tokyo kept its SA throughout.
  BOOST_TEST(sites.worker(SiteId::kParis).sas().outbound(0) == sa);
}

BOOST_AUTO_TEST_CASE(get_state_counts_the_traffic_sent) {
  const auto rx = [&] {
    const std::string v = state("/gateway-state/private-interface/rxpackets");
    return std::strtoull(v.c_str(), nullptr, 10);
  };
  const auto before = rx();
  BOOST_TEST(send_to_tokyo(25, 3) == 25u);
  BOOST_TEST(rx() == before + 25);
  const std::string all = state("/");
  BOOST_TEST(all == worker::render_gateway_state(
                        std::vector<const worker::Worker*>{&sites.worker(SiteId::kParis)}));
  BOOST_TEST(state("/", 1) == all);  // one queue here
  BOOST_TEST(state("/", 2) == "ERROR no queue 2");
  BOOST_TEST(
      state("/gateway-state/private-router", std::nullopt, true).starts_with("{\"rxerrors\":0,"));
  BOOST_TEST(state("/gateway-state/key-manager/keypairs-negotiated") != "0\n");
}

BOOST_AUTO_TEST_CASE(bad_clients_get_errors_and_the_gateway_carries_on) {
  const std::string path = socket_path(directory.string(), "paris");
  // Raw bytes to the socket; the answer or "" if the connection closed.
  const auto raw = [&](const std::string& bytes, bool hang_up) {
    auto answer = std::async(std::launch::async, [&] {
      const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
      if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return std::string("X");
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      std::string got;
      if (!hang_up) {
        char buffer[4096];
        ssize_t n;
        while ((n = ::recv(fd, buffer, sizeof buffer, 0)) > 0)
          got.append(buffer, static_cast<std::size_t>(n));
      }
      ::close(fd);
      return got;
    });
    for (int i = 0; i < 300; ++i) {
      if (answer.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
      server->run_once(10);
    }
    return answer.get();
  };
  BOOST_TEST(raw("hello there\n", false).starts_with("error "));
  const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 / 0\n";
  BOOST_TEST(raw(std::string(tls, sizeof tls - 1), false).find("unknown verb (unprintable") !=
             std::string::npos);
  BOOST_TEST(raw(std::string(100000, 'x'), false).find("longer than 4096 bytes") !=
             std::string::npos);
  BOOST_TEST(raw("set / 99999999999\n", false).find("request too large") != std::string::npos);
  // Half a request, then gone; then half a request, silent past the timeout.
  BOOST_TEST(raw("set /mtu 100\n12", true).empty());
  BOOST_TEST(raw("set /mtu 100\n12", false).find("request timed out") != std::string::npos);
  for (int i = 0; i < 20; ++i)
    server->run_once(5);
  BOOST_TEST(server->client_count() == 0u);
  BOOST_TEST(get("/mtu") == "1440\n");
  BOOST_TEST(testing::round_trip(sites, 50));

  // Unknown instance.
  Request r;
  auto none = control::call(socket_path(directory.string(), "nowhere"), "nowhere", r, 1000);
  BOOST_REQUIRE(!none.ok());
  BOOST_TEST(none.error().message == "no running instance 'nowhere': strait ps lists them");
}

BOOST_AUTO_TEST_CASE(only_the_allowed_user_is_served) {
  ServerOptions o;
  o.path = socket_path(directory.string(), "strict");
  o.allowed_uid = geteuid() + 1;
  auto strict = Server::listen(o, [this](const Request& r) { return controller->handle(r); });
  BOOST_REQUIRE(strict.ok());
  Request r;
  auto answer =
      std::async(std::launch::async, [&] { return control::call(o.path, "strict", r, 5000); });
  for (int i = 0; i < 300; ++i) {
    if (answer.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) break;
    (*strict)->run_once(10);
  }
  auto result = answer.get();
  BOOST_REQUIRE(result.ok());
  BOOST_TEST(!result->ok);
  BOOST_TEST(result->body.view() == "permission denied: only root may control the gateway");
  // The socket file is 0600.
  const auto permissions = std::filesystem::status(o.path).permissions();
  BOOST_TEST(
      (permissions == (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)));
}

BOOST_AUTO_TEST_SUITE_END()
