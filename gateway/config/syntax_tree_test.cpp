#define BOOST_TEST_MODULE config_syntax_tree
#include <boost/test/unit_test.hpp>

#include <string>

#include "config/syntax_tree.hpp"

using namespace strait::config;

namespace {

std::string error_of(std::string_view text) {
  auto document = parse_document(text, "t.conf");
  return document.ok() ? "" : document.error().message;
}

}  // namespace

BOOST_AUTO_TEST_CASE(leaves_blocks_and_list_entries_in_order) {
  auto d = parse_document(
      "mtu 1440;\n"
      "route4 {\n"
      "  id tokyo;\n"
      "  gateway { queue 1; ip 13.230.1.10; }\n"
      "  gateway { }\n"
      "  net \"172.32.0.0/16\";\n"
      "}\n"
      "flag;\n",
      "t.conf");
  BOOST_REQUIRE(d.ok());
  BOOST_REQUIRE(d->size() == 3u);
  const Statement& mtu = (*d)[0];
  BOOST_TEST(mtu.keyword == "mtu");
  BOOST_REQUIRE(mtu.value.has_value());
  BOOST_TEST(mtu.value->text.view() == "1440");
  BOOST_TEST(!mtu.value->quoted);
  BOOST_TEST((mtu.value->position == Position{1, 5}));
  BOOST_TEST(!mtu.has_block);

  const Statement& route = (*d)[1];
  BOOST_TEST(route.keyword == "route4");
  BOOST_TEST((route.position == Position{2, 1}));
  BOOST_TEST(route.has_block);
  BOOST_TEST(!route.value.has_value());
  BOOST_REQUIRE(route.children.size() == 4u);
  BOOST_TEST(route.children[0].keyword == "id");
  BOOST_TEST(route.children[1].keyword == "gateway");
  BOOST_REQUIRE(route.children[1].children.size() == 2u);
  BOOST_TEST(route.children[1].children[1].keyword == "ip");
  BOOST_TEST(route.children[1].children[1].value->text.view() == "13.230.1.10");
  BOOST_TEST((route.children[1].children[1].position == Position{4, 22}));
  BOOST_TEST(route.children[2].has_block);
  BOOST_TEST(route.children[2].children.empty());
  BOOST_TEST(route.children[3].value->quoted);
  BOOST_TEST(route.children[3].value->text.view() == "172.32.0.0/16");

  const Statement& flag = (*d)[2];
  BOOST_TEST(!flag.value.has_value());
  BOOST_TEST(!flag.has_block);
}

BOOST_AUTO_TEST_CASE(empty_and_comment_only_documents) {
  auto empty = parse_document("", "t.conf");
  BOOST_REQUIRE(empty.ok());
  BOOST_TEST(empty->empty());
  auto comments = parse_document("// nothing\n/* here */\n", "t.conf");
  BOOST_REQUIRE(comments.ok());
  BOOST_TEST(comments->empty());
}

BOOST_AUTO_TEST_CASE(missing_semicolon_points_at_the_next_token) {
  BOOST_TEST(error_of("a {\n  ifname eth1\n  mac x;\n}") ==
             "t.conf:3:3: expected ';' after the value of 'ifname', found a word");
  BOOST_TEST(error_of("a {\n  ifname eth1 }") ==
             "t.conf:2:15: expected ';' after the value of 'ifname', found '}'");
  BOOST_TEST(error_of("mtu 1440") ==
             "t.conf:1:9: expected ';' after the value of 'mtu', found end of file");
}

BOOST_AUTO_TEST_CASE(unclosed_and_unopened_blocks) {
  BOOST_TEST(error_of("route4 {\n  id x;\n") ==
             "t.conf:3:1: expected '}' to close 'route4' opened at 1:1, found end of file");
  BOOST_TEST(error_of("mtu 1;\n}") == "t.conf:2:1: expected a leaf or container name, found '}'");
}

BOOST_AUTO_TEST_CASE(misplaced_tokens) {
  BOOST_TEST(error_of("\"mtu\" 1;") ==
             "t.conf:1:1: expected a leaf or container name, found a quoted string");
  BOOST_TEST(error_of("; mtu 1;") == "t.conf:1:1: expected a leaf or container name, found ';'");
  BOOST_TEST(error_of("mtu }") == "t.conf:1:5: expected a value or '{' after 'mtu', found '}'");
  BOOST_TEST(error_of("a { b 1 { } }") ==
             "t.conf:1:9: expected ';' after the value of 'b', found '{'");
}

BOOST_AUTO_TEST_CASE(lexer_errors_pass_through) {
  BOOST_TEST(error_of("a \"b;\n") == "t.conf:1:3: unterminated string: expected '\"'");
}

BOOST_AUTO_TEST_CASE(nesting_is_bounded) {
  std::string deep;
  for (int i = 0; i < kMaxNesting; ++i)
    deep += "a {";
  std::string ok = deep + std::string(kMaxNesting, '}');
  BOOST_TEST(parse_document(ok, "t.conf").ok());
  std::string too_deep;
  for (int i = 0; i < 100000; ++i)
    too_deep += "a{";
  const auto e = error_of(too_deep);
  BOOST_TEST(e == "t.conf:1:" + std::to_string(kMaxNesting * 2 + 2) + ": blocks nested too deeply");
}

BOOST_AUTO_TEST_CASE(names_that_look_like_keys_are_not_echoed) {
  BOOST_TEST(display_name("ifname") == "'ifname'");
  BOOST_TEST(display_name("aead") == "'aead'");
  BOOST_TEST(display_name("00112233") == "<name hidden: looks like a value>");
  BOOST_TEST(display_name("abcdefab") == "<name hidden: looks like a value>");
  BOOST_TEST(display_name("x\x01") == "<name hidden: unprintable>");
  BOOST_TEST(display_name("a0a1a2aX") == "<name hidden: looks like a value>");  // 7-digit run
  BOOST_TEST(display_name("private-interface4") == "'private-interface4'");
  BOOST_TEST(display_name("ab") == "'ab'");
  BOOST_TEST(display_name("0a") == "<name hidden: looks like a value>");
  BOOST_TEST(display_name(std::string(25, 'x')) == "<name hidden: too long>");
  const auto e = error_of("key;00112233 44556677 8899;");
  BOOST_TEST(e ==
             "t.conf:1:23: expected ';' after the value of <name hidden: looks like a value>, "
             "found a word");
  BOOST_TEST(e.find("0011") == std::string::npos);
}
