#define BOOST_TEST_MODULE config_lexer
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "base/secure_heap.hpp"
#include "config/lexer.hpp"

using namespace strait::config;

namespace {

// A token with its own copy of the text (a Token's text is the lexer's
// until its next token).
struct OwnedToken {
  TokenKind kind;
  std::string text;
  Position position;
};

// All tokens up to and including kEnd; fails the test on an error.
std::vector<OwnedToken> tokens_of(std::string_view text) {
  Lexer lexer(text, "t.conf");
  std::vector<OwnedToken> out;
  for (;;) {
    auto token = lexer.next();
    if (!token.ok()) BOOST_FAIL(token.error().message);
    out.push_back({token->kind, std::string(token->text), token->position});
    if (out.back().kind == TokenKind::kEnd) return out;
  }
}

// The first error message the lexer reports, or "" if none.
std::string error_of(std::string_view text) {
  Lexer lexer(text, "t.conf");
  for (int i = 0; i < 1000; ++i) {
    auto token = lexer.next();
    if (!token.ok()) return token.error().message;
    if (token->kind == TokenKind::kEnd) return "";
  }
  return "";
}

bool is(const OwnedToken& t, TokenKind kind, std::string_view text, std::uint32_t line,
        std::uint32_t column) {
  return t.kind == kind && t.text == text && t.position == Position{line, column};
}

}  // namespace

BOOST_AUTO_TEST_CASE(words_punctuation_and_positions) {
  auto t = tokens_of("mtu 1440;\nroute4 {\n\tid tokyo; }");
  BOOST_REQUIRE(t.size() == 10u);
  BOOST_TEST(is(t[0], TokenKind::kWord, "mtu", 1, 1));
  BOOST_TEST(is(t[1], TokenKind::kWord, "1440", 1, 5));
  BOOST_TEST(is(t[2], TokenKind::kSemicolon, "", 1, 9));
  BOOST_TEST(is(t[3], TokenKind::kWord, "route4", 2, 1));
  BOOST_TEST(is(t[4], TokenKind::kOpenBrace, "", 2, 8));
  BOOST_TEST(is(t[5], TokenKind::kWord, "id", 3, 2));
  BOOST_TEST(is(t[6], TokenKind::kWord, "tokyo", 3, 5));
  BOOST_TEST(is(t[7], TokenKind::kSemicolon, "", 3, 10));
  BOOST_TEST(is(t[8], TokenKind::kCloseBrace, "", 3, 12));
  BOOST_TEST(is(t[9], TokenKind::kEnd, "", 3, 13));
}

BOOST_AUTO_TEST_CASE(words_end_at_delimiters_but_keep_slashes_and_colons) {
  auto t = tokens_of("net 10.1.0.0/16;mac 0a:cc:b1:e4:24:d2;a{b}c\"d\"");
  BOOST_TEST(t[1].text == "10.1.0.0/16");
  BOOST_TEST((t[2].kind == TokenKind::kSemicolon));
  BOOST_TEST(t[4].text == "0a:cc:b1:e4:24:d2");
  BOOST_TEST(is(t[6], TokenKind::kWord, "a", 1, 39));
  BOOST_TEST((t[7].kind == TokenKind::kOpenBrace));
  BOOST_TEST(t[8].text == "b");
  BOOST_TEST((t[9].kind == TokenKind::kCloseBrace));
  BOOST_TEST(t[10].text == "c");
  BOOST_TEST(is(t[11], TokenKind::kString, "d", 1, 44));
}

BOOST_AUTO_TEST_CASE(comments_are_skipped) {
  auto t = tokens_of(
      "// line comment { ; }\n"
      "a /* block\n comment */ b // trailing\n"
      "c/*x*/d e//f\n"
      "/**/g");
  BOOST_REQUIRE(t.size() == 7u);
  BOOST_TEST(is(t[0], TokenKind::kWord, "a", 2, 1));
  BOOST_TEST(is(t[1], TokenKind::kWord, "b", 3, 13));
  BOOST_TEST(is(t[2], TokenKind::kWord, "c", 4, 1));
  BOOST_TEST(is(t[3], TokenKind::kWord, "d", 4, 7));
  BOOST_TEST(is(t[4], TokenKind::kWord, "e", 4, 9));
  BOOST_TEST(is(t[5], TokenKind::kWord, "g", 5, 5));
}

BOOST_AUTO_TEST_CASE(quoted_strings_and_escapes) {
  auto t = tokens_of(R"(net "10.1.0.0/16"; s "a\"b\\c\nd\te"; q 'x\y "z"'; e "";)");
  BOOST_TEST(is(t[1], TokenKind::kString, "10.1.0.0/16", 1, 5));
  BOOST_TEST(t[4].text == "a\"b\\c\nd\te");
  BOOST_TEST((t[4].kind == TokenKind::kString));
  BOOST_TEST(t[7].text == "x\\y \"z\"");  // single quotes: verbatim
  BOOST_TEST(is(t[10], TokenKind::kString, "", 1, 54));
  // Comment sequences and delimiters inside strings are text.
  auto u = tokens_of("\"// not a comment; { } /* */\"");
  BOOST_TEST(u[0].text == "// not a comment; { } /* */");
  // Strings may span lines; positions continue after them.
  auto v = tokens_of("\"a\nb\" c");
  BOOST_TEST(v[0].text == "a\nb");
  BOOST_TEST(is(v[1], TokenKind::kWord, "c", 2, 4));
}

BOOST_AUTO_TEST_CASE(crlf_line_endings) {
  auto t = tokens_of("a;\r\nb;\r\n");
  BOOST_TEST(is(t[2], TokenKind::kWord, "b", 2, 1));
}

BOOST_AUTO_TEST_CASE(unterminated_string_points_at_opening_quote) {
  BOOST_TEST(error_of("a\n  b \"abc;\n") == "t.conf:2:5: unterminated string: expected '\"'");
  BOOST_TEST(error_of("a 'abc") == "t.conf:1:3: unterminated string: expected \"'\"");
  BOOST_TEST(error_of("a \"abc\\\"") == "t.conf:1:3: unterminated string: expected '\"'");
}

BOOST_AUTO_TEST_CASE(unterminated_comment_points_at_its_start) {
  BOOST_TEST(error_of("a;\n b; /* x\n y") == "t.conf:2:5: unterminated comment: expected '*/'");
  BOOST_TEST(error_of("/*/") == "t.conf:1:1: unterminated comment: expected '*/'");
}

BOOST_AUTO_TEST_CASE(bad_escape_points_at_backslash) {
  const auto e = error_of("a \"x\\qy\";");
  BOOST_TEST(e.rfind("t.conf:1:5: invalid escape", 0) == 0u, e);
}

BOOST_AUTO_TEST_CASE(stray_comment_end_and_control_characters) {
  BOOST_TEST(error_of("a */") == "t.conf:1:3: '*/' outside a comment");
  BOOST_TEST(error_of("ab*/") == "t.conf:1:3: '*/' outside a comment");
  BOOST_TEST(error_of(std::string("a\x01;")) == "t.conf:1:2: unexpected control character 0x01");
  BOOST_TEST(error_of(std::string("a \"b\x7f\"")) ==
             "t.conf:1:5: unexpected control character 0x7f");
  BOOST_TEST(error_of(std::string("a\0b", 3)) == "t.conf:1:2: unexpected control character 0x00");
}

BOOST_AUTO_TEST_CASE(end_repeats) {
  Lexer lexer("", "t.conf");
  for (int i = 0; i < 3; ++i) {
    auto token = lexer.next();
    BOOST_REQUIRE(token.ok());
    BOOST_TEST((token->kind == TokenKind::kEnd));
    BOOST_TEST((token->position == Position{1, 1}));
  }
}

// The text of a token is a view of the lexer's buffer in the secure heap: a
// key read from a file never lands in ordinary memory on its way.
BOOST_AUTO_TEST_CASE(token_text_lives_in_the_secure_heap) {
  Lexer lexer("preshared-key \"00 11 22\"; key 'aabb'; salt a0a1a2a3;", "t.conf");
  int texts = 0;
  for (;;) {
    auto token = lexer.next();
    BOOST_REQUIRE(token.ok());
    if (token->kind == TokenKind::kEnd) break;
    if (token->text.empty()) continue;
    ++texts;
    BOOST_TEST(strait::base::in_secure_heap(token->text.data(), token->text.size()));
  }
  BOOST_TEST(texts == 6);
}
