#pragma once
// Tokens of the YANG data text syntax used by `snabb config` (RFC 7950
// section 6.1): bare words, quoted strings, `{`, `}`, `;`. Whitespace and
// comments (`// ...` to end of line, `/* ... */`) separate tokens.
//
// The text of a configuration may hold key material: the lexer writes each
// token's text into one buffer in the secure heap (base::SecureString,
// reused from token to token) and hands out a view of it, so no token text
// is ever copied into ordinary memory here.

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/secure_string.hpp"
#include "config/diagnostic.hpp"

namespace strait::config {

enum class TokenKind {
  kWord,        // unquoted string: no whitespace, quotes, ; { } or comment sequences
  kString,      // "double-quoted" (escapes \n \t \" \\) or 'single-quoted' (verbatim)
  kOpenBrace,   // {
  kCloseBrace,  // }
  kSemicolon,   // ;
  kEnd,         // end of input
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  // Words and strings: the value, escapes resolved. A view of the lexer's
  // buffer: valid until its next call of next().
  std::string_view text;
  Position position;
};

// Describes a token kind for error messages ("a word", "'{'", ...) without
// quoting its text, which may be key material.
std::string_view describe(TokenKind kind);

class Lexer {
 public:
  // file_name only labels error messages.
  Lexer(std::string_view text, std::string_view file_name);

  // The next token; kEnd repeatedly at the end of input. Errors (bad
  // character, unterminated string or comment, bad escape) are located at
  // the offending character.
  base::Result<Token> next();

 private:
  bool at_end() const { return offset_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const;
  void advance();
  // Skips whitespace and comments; fails on an unterminated comment.
  base::Status skip_blanks();
  base::Result<Token> double_quoted();
  base::Result<Token> single_quoted();
  base::Result<Token> word();
  // The token with its text: the buffer's contents.
  Token finish(Token token) const;
  base::Error error(Position position, std::string_view what) const;

  std::string_view text_;
  std::string_view file_name_;
  std::size_t offset_ = 0;
  Position position_;
  base::SecureString buffer_;
};

}  // namespace strait::config
