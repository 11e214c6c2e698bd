#include "config/lexer.hpp"

#include <cstdio>

namespace strait::config {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && !is_blank(c)) || u == 0x7f;
}

std::string control_description(char c) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "unexpected control character 0x%02x",
                static_cast<unsigned>(static_cast<unsigned char>(c)));
  return buf;
}

}  // namespace

std::string_view describe(TokenKind kind) {
  switch (kind) {
    case TokenKind::kWord:
      return "a word";
    case TokenKind::kString:
      return "a quoted string";
    case TokenKind::kOpenBrace:
      return "'{'";
    case TokenKind::kCloseBrace:
      return "'}'";
    case TokenKind::kSemicolon:
      return "';'";
    case TokenKind::kEnd:
      return "end of file";
  }
  return "a token";
}

Lexer::Lexer(std::string_view text, std::string_view file_name)
    : text_(text), file_name_(file_name) {}

char Lexer::peek(std::size_t ahead) const {
  return offset_ + ahead < text_.size() ? text_[offset_ + ahead] : '\0';
}

void Lexer::advance() {
  if (text_[offset_] == '\n') {
    ++position_.line;
    position_.column = 1;
  } else {
    ++position_.column;
  }
  ++offset_;
}

base::Error Lexer::error(Position position, std::string_view what) const {
  return located_error(file_name_, position, what);
}

base::Status Lexer::skip_blanks() {
  while (!at_end()) {
    const char c = peek();
    if (is_blank(c)) {
      advance();
    } else if (c == '/' && peek(1) == '/') {
      while (!at_end() && peek() != '\n')
        advance();
    } else if (c == '/' && peek(1) == '*') {
      const Position start = position_;
      advance();
      advance();
      while (!(peek() == '*' && peek(1) == '/')) {
        if (at_end()) return error(start, "unterminated comment: expected '*/'");
        advance();
      }
      advance();
      advance();
    } else {
      break;
    }
  }
  return base::Ok{};
}

base::Result<Token> Lexer::next() {
  if (auto blanks = skip_blanks(); !blanks.ok()) return blanks.error();
  Token token;
  token.position = position_;
  if (at_end()) return token;
  const char c = peek();
  switch (c) {
    case '{':
      token.kind = TokenKind::kOpenBrace;
      advance();
      return token;
    case '}':
      token.kind = TokenKind::kCloseBrace;
      advance();
      return token;
    case ';':
      token.kind = TokenKind::kSemicolon;
      advance();
      return token;
    case '"':
      return double_quoted();
    case '\'':
      return single_quoted();
    default:
      break;
  }
  if (c == '*' && peek(1) == '/') return error(position_, "'*/' outside a comment");
  if (is_control(c)) return error(position_, control_description(c));
  return word();
}

Token Lexer::finish(Token token) const {
  token.text = buffer_.view();
  return token;
}

base::Result<Token> Lexer::double_quoted() {
  Token token{TokenKind::kString, {}, position_};
  buffer_.clear();
  advance();  // opening quote
  for (;;) {
    if (at_end()) return error(token.position, "unterminated string: expected '\"'");
    const char c = peek();
    if (c == '"') {
      advance();
      return finish(token);
    }
    if (c == '\\') {
      const Position escape = position_;
      const char e = peek(1);
      char resolved;
      switch (e) {
        case 'n':
          resolved = '\n';
          break;
        case 't':
          resolved = '\t';
          break;
        case '"':
          resolved = '"';
          break;
        case '\\':
          resolved = '\\';
          break;
        default:
          return error(escape, "invalid escape in string: expected \\n, \\t, \\\" or \\\\");
      }
      advance();
      advance();
      buffer_.push_back(resolved);
      continue;
    }
    if (is_control(c)) return error(position_, control_description(c));
    buffer_.push_back(c);
    advance();
  }
}

base::Result<Token> Lexer::single_quoted() {
  Token token{TokenKind::kString, {}, position_};
  buffer_.clear();
  advance();  // opening quote
  for (;;) {
    if (at_end()) return error(token.position, "unterminated string: expected \"'\"");
    const char c = peek();
    if (c == '\'') {
      advance();
      return finish(token);
    }
    if (is_control(c)) return error(position_, control_description(c));
    buffer_.push_back(c);
    advance();
  }
}

base::Result<Token> Lexer::word() {
  Token token{TokenKind::kWord, {}, position_};
  buffer_.clear();
  while (!at_end()) {
    const char c = peek();
    if (is_blank(c) || c == ';' || c == '{' || c == '}' || c == '"' || c == '\'') break;
    if ((c == '/' && (peek(1) == '/' || peek(1) == '*')) || (c == '*' && peek(1) == '/')) break;
    if (is_control(c)) return error(position_, control_description(c));
    buffer_.push_back(c);
    advance();
  }
  return finish(token);
}

}  // namespace strait::config
