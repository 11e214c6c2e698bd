#define BOOST_TEST_MODULE control
// Paths, the printer, tree edits and the request framing (no gateway).
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "base/log.hpp"
#include "base/secure_heap.hpp"
#include "config/load.hpp"
#include "config/syntax_tree.hpp"
#include "control/path.hpp"
#include "control/printer.hpp"
#include "control/protocol.hpp"
#include "control/tree.hpp"

using namespace strait;
using namespace strait::control;

namespace {

std::string path_error(std::string_view text) {
  auto p = parse_path(text);
  return p.ok() ? "" : p.error().message;
}

config::Statements parse(std::string_view text) {
  auto d = config::parse_document(text, "t.conf");
  BOOST_REQUIRE_MESSAGE(d.ok(), (d.ok() ? std::string() : d.error().message));
  return std::move(d).value();
}

const PrintOptions kSecrets{true};

std::string print(const config::Statements& s) {
  return std::string(print_statements(s, kSecrets));
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A tree's shape and values, without positions.
std::string shape(const config::Statements& statements) {
  std::string out;
  for (const auto& s : statements) {
    out += s.keyword;
    if (s.value) out += "=" + s.value->text + (s.value->quoted ? "(q)" : "");
    if (s.has_block) out += "{" + shape(s.children) + "}";
    out += ";";
  }
  return out;
}

const char* kDocument =
    "private-interface4 { ifname eth1; ip 10.0.0.1; nexthop-ip 10.0.0.2; }\n"
    "public-interface4 { ifname eth2; ip 10.1.0.1; nexthop-ip 10.1.0.2; }\n"
    "mtu 1440;\n"
    "route4 { id tokyo; gateway { queue 1; ip 13.230.1.10; } gateway { queue 2; ip 13.230.1.11; }\n"
    "  net \"172.32.0.0/16\"; preshared-key \""
    "ACAB129A5D1E2F3B4C6D7E8F9A0B1C2D3E4F5061728394A5B6C7D8E9F0A1B2C3\"; spi 1234; }\n"
    "route4 { id osaka; gateway { ip 13.231.1.10; } net 172.33.0.0/16; "
    "preshared-key \"0101010101010101010101010101010101010101010101010101010101010101\"; "
    "spi 1235; }\n"
    "outbound-sa { route tokyo; spi 1001; }\n"
    "outbound-sa { route tokyo; spi 1001; queue 2; }\n";

}  // namespace

BOOST_AUTO_TEST_CASE(paths_of_every_form) {
  BOOST_TEST(parse_path("/")->root());
  auto mtu = parse_path("/mtu");
  BOOST_REQUIRE(mtu.ok());
  BOOST_TEST(mtu->steps.size() == 1u);
  BOOST_TEST(mtu->steps[0].name == "mtu");
  auto entry = parse_path("/route4[id=tokyo]/gateway[ip=13.230.1.10]/queue");
  BOOST_REQUIRE(entry.ok());
  BOOST_TEST(entry->steps.size() == 3u);
  BOOST_TEST((entry->steps[0].keys == std::vector<KeyMatch>{{"id", "tokyo"}}));
  BOOST_TEST((entry->steps[1].keys == std::vector<KeyMatch>{{"ip", "13.230.1.10"}}));
  auto two_keys = parse_path("/outbound-sa[spi=1001][queue=2]");
  BOOST_REQUIRE(two_keys.ok());
  BOOST_TEST(two_keys->steps[0].keys.size() == 2u);
  auto v6 = parse_path("/public-interface6[ip=2001:db8::1]/mac");
  BOOST_REQUIRE(v6.ok());
  BOOST_TEST(v6->steps[0].keys[0].value == "2001:db8::1");
  BOOST_TEST(to_string(*entry) == "/route4[id=tokyo]/gateway[ip=13.230.1.10]/queue");
  BOOST_TEST(to_string(*parse_path("/")) == "/");
}

BOOST_AUTO_TEST_CASE(malformed_paths_name_the_column) {
  BOOST_TEST(path_error("") == "malformed path at column 1: expected '/' (the path ends there)");
  BOOST_TEST(path_error("mtu") == "malformed path at column 1: expected '/' or '['");
  BOOST_TEST(path_error("/mtu/").find("column 6: expected a name") != std::string::npos);
  BOOST_TEST(path_error("//mtu").find("column 2: expected a name") != std::string::npos);
  BOOST_TEST(path_error("/route4[id]").find("column 11: expected '='") != std::string::npos);
  BOOST_TEST(path_error("/route4[id=]").find("column 12: expected a key value") !=
             std::string::npos);
  BOOST_TEST(path_error("/route4[id=tokyo").find("column 17: expected ']'") != std::string::npos);
  BOOST_TEST(path_error("/route4[=x]").find("column 9: expected a key name") != std::string::npos);
  BOOST_TEST(path_error("/mt u").find("column 4") != std::string::npos);
  BOOST_TEST(path_error("/route4]").find("column 8") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(printed_fixtures_parse_back_to_the_same_tree) {
  int files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(STRAIT_SOURCE_DIR "/gateway/config/testdata")) {
    if (entry.path().extension() != ".conf") continue;
    ++files;
    const config::Statements original = parse(read(entry.path()));
    const std::string printed = print(original);
    const config::Statements again = parse(printed);
    BOOST_TEST(shape(again) == shape(original), entry.path());
    BOOST_TEST(print(again) == printed);
    // And the schema reads the same gateway from it.
    BOOST_TEST(config::load(printed, "printed").ok(), entry.path());
  }
  BOOST_TEST(files >= 4);
}

BOOST_AUTO_TEST_CASE(values_are_quoted_when_they_must_be) {
  config::Statements s = parse(
      "a \"two words\"; b \"semi;colon\"; c \"x//y\"; d \"\"; e \"tab\\there\"; f word; "
      "g \"quo\\\"te\"; h 'single'; i 10.0.0.0/8; j;");
  const std::string printed = print(s);
  BOOST_TEST(printed ==
             "a \"two words\";\nb \"semi;colon\";\nc \"x//y\";\nd \"\";\ne \"tab\\there\";\n"
             "f word;\ng \"quo\\\"te\";\nh \"single\";\ni 10.0.0.0/8;\nj;\n");
  BOOST_TEST(shape(parse(printed)) == shape(s));
}

BOOST_AUTO_TEST_CASE(secrets_are_hidden_unless_asked_for) {
  const config::Statements s = parse(kDocument);
  const std::string hidden(print_statements(s, PrintOptions{}));
  BOOST_TEST(hidden.find("ACAB129A") == std::string::npos);
  BOOST_TEST(hidden.find("preshared-key \"(secret)\";") != std::string::npos);
  BOOST_TEST(print(s).find("ACAB129A") != std::string::npos);
  BOOST_TEST(json_of_statements(s, PrintOptions{}).find("ACAB") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(json_of_lists_leaves_and_containers) {
  const config::Statements s = parse(
      "mtu 1440; tfc true; route4 { id a; net \"10.0.0.0/8\"; gateway { ip 1.2.3.4; } } flag; "
      "name \"x\\\"y\";");
  BOOST_TEST(json_of_statements(s, kSecrets).view() ==
             "{\"mtu\":1440,\"tfc\":true,\"route4\":[{\"id\":\"a\",\"net\":\"10.0.0.0/8\","
             "\"gateway\":[{\"ip\":\"1.2.3.4\"}]}],\"flag\":null,\"name\":\"x\\\"y\"}");
}

BOOST_AUTO_TEST_CASE(get_of_each_path_form) {
  const config::Statements d = parse(kDocument);
  const auto get = [&](std::string_view path, bool json = false) {
    auto p = parse_path(path);
    BOOST_REQUIRE(p.ok());
    auto text = get_text(d, *p, kSecrets, json);
    return text.ok() ? std::string(*text) : "ERROR " + text.error().message;
  };
  BOOST_TEST(get("/") == print(d));
  BOOST_TEST(get("/mtu") == "1440\n");
  BOOST_TEST(get("/mtu", true) == "1440\n");
  BOOST_TEST(get("/private-interface4") == "ifname eth1;\nip 10.0.0.1;\nnexthop-ip 10.0.0.2;\n");
  BOOST_TEST(get("/route4[id=tokyo]/spi") == "1234\n");
  BOOST_TEST(get("/route4[id=tokyo]/gateway[queue=2]/ip") == "13.230.1.11\n");
  BOOST_TEST(get("/route4[id=osaka]/gateway[queue=1]/ip") == "13.231.1.10\n");  // default
  BOOST_TEST(get("/route4[id=tokyo]/net") == "\"172.32.0.0/16\"\n");
  BOOST_TEST(get("/route4[id=tokyo]/net", true) == "\"172.32.0.0/16\"\n");
  BOOST_TEST(get("/outbound-sa[spi=1001][queue=2]") == "route tokyo;\nspi 1001;\nqueue 2;\n");
  BOOST_TEST(get("/outbound-sa[spi=1001][queue=1]") == "route tokyo;\nspi 1001;\n");
  const std::string routes = get("/route4");
  BOOST_TEST(routes.starts_with("route4 {\n  id tokyo;\n"));
  BOOST_TEST(routes.find("route4 {\n  id osaka;\n") != std::string::npos);
  BOOST_TEST(get("/route4", true).starts_with("[{\"id\":\"tokyo\""));
  BOOST_TEST(get("/route4[id=kyoto]") == "ERROR nothing at /route4[id=kyoto]");
  BOOST_TEST(get("/route4[id=kyoto]/spi") ==
             "ERROR nothing at /route4[id=kyoto] (no route4[id=kyoto] in /)");
  BOOST_TEST(get("/outbound-sa[spi=1001]")
                 .find("names 2 entries: select one with "
                       "[spi=...][queue=...]") != std::string::npos);
  BOOST_TEST(get("/mtu/x").find("/mtu is a leaf") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(set_replaces_leaves_containers_entries_and_the_document) {
  const config::Statements d = parse(kDocument);
  const auto set = [&](std::string_view path, std::string_view body) {
    auto p = parse_path(path);
    BOOST_REQUIRE(p.ok());
    auto r = set_subtree(d, *p, body, "stdin");
    return r.ok() ? print(*r) : "ERROR " + r.error().message;
  };
  BOOST_TEST(set("/mtu", "1300\n").find("mtu 1300;\n") != std::string::npos);
  BOOST_TEST(set("/tfc", "true").find("tfc true;\n") != std::string::npos);  // created
  BOOST_TEST(
      set("/route4[id=tokyo]/gateway[queue=2]/ip", "13.230.1.99").find("    ip 13.230.1.99;\n") !=
      std::string::npos);
  // An entry keeps the path's key when the body leaves it out.
  const std::string entry = set("/route4[id=osaka]", "net 172.34.0.0/16; spi 77;");
  BOOST_TEST(entry.find("route4 {\n  id osaka;\n  net 172.34.0.0/16;\n  spi 77;\n}\n") !=
             std::string::npos);
  BOOST_TEST(set("/private-interface4", "ifname eth9; ip 1.1.1.1; nexthop-ip 1.1.1.2;")
                 .starts_with("private-interface4 {\n  ifname eth9;\n"));
  BOOST_TEST(set("/", "mtu 1;") == "mtu 1;\n");
  // Malformed values are located in the body.
  BOOST_TEST(set("/mtu", "1300 1400") ==
             "ERROR stdin:1:6: expected one value, found a word after it");
  BOOST_TEST(set("/mtu", "") == "ERROR stdin:1:1: expected a value, found end of file");
  BOOST_TEST(set("/private-interface4", "ip 1.1.1.1") ==
             "ERROR stdin:1:11: expected ';' after the value of 'ip', found end of file");
  BOOST_TEST(set("/route4", "id x;").find("is a list") != std::string::npos);
  BOOST_TEST(set("/route4[id=kyoto]/spi", "1").find("nothing at /route4[id=kyoto]") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(add_appends_entries_and_refuses_existing_keys) {
  const config::Statements d = parse(kDocument);
  const auto add = [&](std::string_view path, std::string_view body) {
    auto p = parse_path(path);
    BOOST_REQUIRE(p.ok());
    auto r = add_entries(d, *p, body, "stdin");
    return r.ok() ? print(*r) : "ERROR " + r.error().message;
  };
  const std::string bare = add("/route4", "id kyoto; net 172.35.0.0/16;");
  const std::string wrapped = add("/route4", "route4 { id kyoto; net 172.35.0.0/16; }");
  BOOST_TEST(bare == wrapped);
  // After the last route4, before the outbound SAs.
  BOOST_TEST(bare.find("  id kyoto;") < bare.find("outbound-sa"));
  BOOST_TEST(bare.find("  id osaka;") < bare.find("  id kyoto;"));
  BOOST_TEST(add("/route4[id=tokyo]/gateway", "queue 3; ip 13.230.1.12;")
                 .find("    queue 3;\n    ip 13.230.1.12;\n") != std::string::npos);
  BOOST_TEST(add("/route4", "id tokyo;") ==
             "ERROR /route4[id=tokyo] exists: change it with `strait config set`");
  BOOST_TEST(add("/route4[id=tokyo]", "x 1;").find("add takes the list") != std::string::npos);
  BOOST_TEST(add("/mtu", "x 1;").find("is a leaf") != std::string::npos);
  BOOST_TEST(add("/route4", "id {").starts_with("ERROR stdin:1:"));
}

BOOST_AUTO_TEST_CASE(remove_takes_one_node) {
  const config::Statements d = parse(kDocument);
  const auto remove = [&](std::string_view path) {
    auto p = parse_path(path);
    BOOST_REQUIRE(p.ok());
    auto r = remove_subtree(d, *p);
    return r.ok() ? print(*r) : "ERROR " + r.error().message;
  };
  const std::string without = remove("/route4[id=osaka]");
  BOOST_TEST(without.find("osaka") == std::string::npos);
  BOOST_TEST(without.find("tokyo") != std::string::npos);
  BOOST_TEST(remove("/mtu").find("mtu") == std::string::npos);
  BOOST_TEST(remove("/route4[id=tokyo]/gateway[queue=2]").find("13.230.1.11") == std::string::npos);
  BOOST_TEST(remove("/").starts_with("ERROR cannot remove /"));
  BOOST_TEST(remove("/route4").find("remove one entry at a time") != std::string::npos);
  BOOST_TEST(remove("/tfc") == "ERROR nothing at /tfc");
  // The document given is never changed.
  BOOST_TEST(print(d) == print(parse(kDocument)));
}

BOOST_AUTO_TEST_CASE(requests_round_trip_through_the_framing_in_any_pieces) {
  Request r;
  r.verb = Verb::kSet;
  r.path = "/route4[id=tokyo]/spi";
  r.body = "1234\n";
  r.json = true;
  const std::string wire(encode(r));
  BOOST_TEST(wire == "set /route4[id=tokyo]/spi 5 json\n1234\n");
  for (std::size_t piece : {1u, 3u, 7u, 1000u}) {
    RequestReader reader;
    RequestReader::State state = RequestReader::State::kIncomplete;
    for (std::size_t i = 0; i < wire.size(); i += piece)
      state = reader.feed(std::string_view(wire).substr(i, piece));
    BOOST_REQUIRE(state == RequestReader::State::kComplete);
    BOOST_TEST(reader.request().path == r.path);
    BOOST_TEST(reader.request().body.view() == r.body.view());
    BOOST_TEST(reader.request().json);
  }
  Request q;
  q.verb = Verb::kGetState;
  q.path = "/";
  q.queue = 2;
  RequestReader reader;
  BOOST_REQUIRE(reader.feed(encode(q)) == RequestReader::State::kComplete);
  BOOST_TEST(*reader.request().queue == 2);

  ResponseReader response;
  const std::string answer(encode(Response{false, "no"}));
  BOOST_TEST(answer == "error 2\nno");
  BOOST_REQUIRE(response.feed(answer.substr(0, 4)) == ResponseReader::State::kIncomplete);
  BOOST_REQUIRE(response.feed(answer.substr(4)) == ResponseReader::State::kComplete);
  BOOST_TEST(!response.response().ok);
  BOOST_TEST(response.response().body.view() == "no");
}

BOOST_AUTO_TEST_CASE(garbage_oversized_and_truncated_requests_get_clear_errors) {
  const auto error_of = [](std::string_view bytes, std::size_t max_body = kMaxBody) {
    RequestReader reader(max_body);
    reader.feed(bytes);
    return reader.state() == RequestReader::State::kError ? reader.error() : std::string("-");
  };
  BOOST_TEST(error_of("hello world\n").find("malformed request: expected 'VERB PATH LENGTH") == 0);
  BOOST_TEST(error_of("GET / 0\n") ==
             "unknown verb 'GET': expected get, set, add, remove or get-state");
  BOOST_TEST(error_of(std::string("\x01\x02\xff / 0\n")).find("(unprintable or long)") !=
             std::string::npos);
  BOOST_TEST(error_of("get / x\n").find("body length 'x' is not a number") != std::string::npos);
  BOOST_TEST(error_of("get / 0 loud\n").find("unknown request option 'loud'") != std::string::npos);
  BOOST_TEST(error_of("get-state / 0 queue=0\n").find("queue must be 1..65535") !=
             std::string::npos);
  BOOST_TEST(error_of("set / 999999999999\n") ==
             "request too large: a body of 999999999999 bytes exceeds the limit of " +
                 std::to_string(kMaxBody) + " bytes");
  BOOST_TEST(error_of("set / 10\n", 5).find("request too large") == 0);
  BOOST_TEST(error_of(std::string(kMaxHeader + 1, 'a')).find("longer than 4096 bytes") !=
             std::string::npos);
  BOOST_TEST(error_of("get / 0\nextra").find("bytes after the end") != std::string::npos);
  BOOST_TEST(error_of("set / 2\nabc").find("bytes after the end") != std::string::npos);
  // Truncated: still waiting, no error.
  RequestReader truncated;
  BOOST_TEST((truncated.feed("set / 10\nabc") == RequestReader::State::kIncomplete));
}

BOOST_AUTO_TEST_CASE(log_lines_have_a_timestamp_a_name_and_a_level) {
  base::set_log_name("paris");
  const std::string line = base::format_log_line(base::LogLevel::kWarning, "two\nlines");
  BOOST_TEST(line.size() > 25u);
  BOOST_TEST(line[4] == '-');
  BOOST_TEST(line[10] == 'T');
  BOOST_TEST(line[23] == 'Z');
  BOOST_TEST(line.substr(24) == " strait[paris] warning: two lines\n");
  base::set_log_name("");
}

// What may carry keys through the control socket lives in the secure heap:
// a request's body and its encoding, a response's, what get prints.
BOOST_AUTO_TEST_CASE(requests_responses_and_printed_secrets_live_in_the_secure_heap) {
  const config::Statements s = parse(kDocument);
  auto path = parse_path("/route4[id=tokyo]/preshared-key");
  BOOST_REQUIRE(path.ok());
  auto shown = get_text(s, *path, kSecrets, false);
  BOOST_REQUIRE(shown.ok());
  BOOST_TEST(shown->find("ACAB129A") != base::SecureString::npos);
  BOOST_TEST(base::in_secure_heap(shown->data(), shown->size()));
  const auto whole = print_statements(s, kSecrets);
  BOOST_TEST(base::in_secure_heap(whole.data(), whole.size()));
  const auto json = json_of_statements(s, kSecrets);
  BOOST_TEST(base::in_secure_heap(json.data(), json.size()));

  Request r;
  r.verb = Verb::kSet;
  r.path = "/route4[id=tokyo]/preshared-key";
  r.body = *shown;
  const auto wire = encode(r);
  BOOST_TEST(base::in_secure_heap(wire.data(), wire.size()));
  RequestReader reader;
  BOOST_REQUIRE(reader.feed(wire) == RequestReader::State::kComplete);
  BOOST_TEST(base::in_secure_heap(reader.request().body.data(), reader.request().body.size()));
  const auto answer = encode(Response{true, *shown});
  BOOST_TEST(base::in_secure_heap(answer.data(), answer.size()));
  ResponseReader response;
  BOOST_REQUIRE(response.feed(answer) == ResponseReader::State::kComplete);
  BOOST_TEST(
      base::in_secure_heap(response.response().body.data(), response.response().body.size()));
}
