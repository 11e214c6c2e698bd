// Fuzz target: the control socket's request parser and what it drives. The
// input is the byte stream a client sends (`strait config`, protocol.hpp),
// after a first byte that sets how it arrives: 0 in one piece, N in pieces
// of N bytes (as a slow client's reads). A complete request then goes to a
// control::Controller over a gateway that accepts every configuration but
// one with mtu 1234 (a gateway that refuses a transaction), running the
// configuration of a data-plane gateway with two queues.
//
// Properties beyond "no crash, no sanitizer report":
// * Error messages are printable ASCII (the reader never echoes raw bytes).
// * encode() of a parsed request parses back into the same request, and a
//   response read back from encode() is the same response.
// * A transaction either applies a configuration that loads (config::load
//   of the running document, printed with secrets) or leaves the running
//   document exactly as it was.
// * What get and get-state answer without `secrets` never shows a
//   pre-shared key, key or salt of the running configuration.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/log.hpp"
#include "config/load.hpp"
#include "config/syntax_tree.hpp"
#include "control/controller.hpp"
#include "control/printer.hpp"
#include "control/protocol.hpp"
#include "fuzz_check.hpp"
#include "testing/gateway_harness.hpp"
#include "testing/sample_sites.hpp"
#include "worker/state_report.hpp"

using namespace strait;
using fuzz::check;

namespace {

constexpr std::uint16_t kRefusedMtu = 1234;

struct Fixture {
  std::string running_text;
  std::string state_text;
  std::vector<std::string> secrets;  // as written in running_text
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    const auto p = testing::paris(net::Family::kIpv4);
    const auto t = testing::tokyo(net::Family::kIpv4);
    testing::SiteOptions options;
    options.queues = 2;
    x.running_text = testing::site_config(p, t, options);
    testing::GatewayHarness harness(x.running_text);
    const worker::Worker* workers[] = {&harness.worker()};
    x.state_text = worker::render_gateway_state(workers);
    x.secrets.push_back(testing::kSamplePresharedKey);
    auto document = config::parse_document(x.running_text, "running.conf");
    check(document.ok(), "the running configuration does not parse");
    std::vector<const config::Statements*> todo = {&document.value()};
    while (!todo.empty()) {
      const auto* statements = todo.back();
      todo.pop_back();
      for (const auto& s : *statements) {
        if (s.value && control::is_secret_leaf(s.keyword))
          x.secrets.emplace_back(s.value->text.view());
        todo.push_back(&s.children);
      }
    }
    return x;
  }();
  return f;
}

class FakeGateway : public control::ManagedGateway {
 public:
  base::Status apply(const config::GatewayConfig& config) override {
    if (config.mtu == kRefusedMtu) return base::Error{"mtu 1234 refused by the fuzz gateway"};
    ++applied;
    return base::Ok{};
  }
  base::Result<std::string> state(std::optional<std::uint16_t> queue) override {
    if (queue && *queue != 1) return base::Error{"no queue " + std::to_string(*queue)};
    return fixture().state_text;
  }
  int applied = 0;
};

bool printable(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n') || u > 0x7e) return false;
  }
  return true;
}

bool same_request(const control::Request& a, const control::Request& b) {
  return a.verb == b.verb && a.path == b.path && a.body == b.body && a.json == b.json &&
         a.secrets == b.secrets && a.queue == b.queue;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  base::set_log_muted(true);
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] == 0 ? size : data[0];
  std::string_view stream(reinterpret_cast<const char*>(data + 1), size - 1);

  control::RequestReader reader;
  auto state = reader.state();
  while (state == control::RequestReader::State::kIncomplete && !stream.empty()) {
    const std::size_t n = std::min(piece, stream.size());
    state = reader.feed(stream.substr(0, n));
    stream.remove_prefix(n);
  }
  if (state == control::RequestReader::State::kError) {
    check(printable(reader.error()), "a request error is not printable");
    return 0;
  }
  if (state != control::RequestReader::State::kComplete) return 0;
  const control::Request request = reader.request();

  control::RequestReader again;
  check(again.feed(control::encode(request)) == control::RequestReader::State::kComplete,
        "an encoded request does not parse");
  check(same_request(request, again.request()), "an encoded request parses differently");

  const Fixture& f = fixture();
  auto running = config::parse_document(f.running_text, "running.conf");
  FakeGateway gateway;
  control::Controller controller(gateway, std::move(running).value());
  const std::string before(
      control::print_statements(controller.running(), {.secrets = true}).view());
  const control::Response response = controller.handle(request);

  control::ResponseReader response_reader;
  check(
      response_reader.feed(control::encode(response)) == control::ResponseReader::State::kComplete,
      "an encoded response does not parse");
  check(response_reader.response().ok == response.ok &&
            response_reader.response().body == response.body,
        "an encoded response parses differently");

  const std::string after(
      control::print_statements(controller.running(), {.secrets = true}).view());
  const bool edit = request.verb == control::Verb::kSet || request.verb == control::Verb::kAdd ||
                    request.verb == control::Verb::kRemove;
  if (edit && response.ok) {
    check(gateway.applied == 1, "an applied edit did not reach the gateway once");
    check(config::load(after, "after.conf").ok(), "an applied edit does not load");
  } else {
    check(gateway.applied == 0, "a refused or read-only request reached the gateway");
    check(before == after, "a refused or read-only request changed the running configuration");
  }
  if (!request.secrets && !edit && response.ok)
    for (const auto& secret : f.secrets)
      check(response.body.find(secret) == std::string::npos, "a get shows key material");
  return 0;
}
