#include "config/syntax_tree.hpp"

#include "config/lexer.hpp"

namespace strait::config {

namespace {

class Parser {
 public:
  Parser(std::string_view text, std::string_view file_name)
      : lexer_(text, file_name), file_name_(file_name) {}

  base::Result<Statements> document() {
    if (auto first = advance(); !first.ok()) return first.error();
    Statements statements;
    if (auto body = block_body(statements, nullptr, 0); !body.ok()) return body.error();
    return statements;
  }

 private:
  base::Status advance() {
    auto token = lexer_.next();
    if (!token.ok()) return token.error();
    current_ = std::move(token.value());
    return base::Ok{};
  }

  base::Error unexpected(std::string_view expected) const {
    std::string what = "expected ";
    what += expected;
    what += ", found ";
    what += describe(current_.kind);
    return located_error(file_name_, current_.position, what);
  }

  // Statements up to the closing '}' of `owner` (consumed), or up to the end
  // of input at the top level (owner == nullptr).
  base::Status block_body(Statements& out, const Statement* owner, int depth) {
    for (;;) {
      switch (current_.kind) {
        case TokenKind::kEnd:
          if (owner == nullptr) return base::Ok{};
          return unexpected("'}' to close " + display_name(owner->keyword) + " opened at " +
                            to_string(owner->position));
        case TokenKind::kCloseBrace:
          if (owner == nullptr) return unexpected("a leaf or container name");
          return advance();
        case TokenKind::kWord: {
          Statement statement;
          if (auto s = parse_statement(statement, depth); !s.ok()) return s;
          out.push_back(std::move(statement));
          break;
        }
        default:
          return unexpected("a leaf or container name");
      }
    }
  }

  // current_ is the keyword word.
  base::Status parse_statement(Statement& statement, int depth) {
    statement.keyword = std::string(current_.text);
    statement.position = current_.position;
    if (auto s = advance(); !s.ok()) return s;
    if (current_.kind == TokenKind::kWord || current_.kind == TokenKind::kString) {
      statement.value = Value{base::SecureString(current_.text), current_.position,
                              current_.kind == TokenKind::kString};
      if (auto s = advance(); !s.ok()) return s;
      if (current_.kind != TokenKind::kSemicolon) {
        return unexpected("';' after the value of " + display_name(statement.keyword));
      }
      return advance();
    }
    if (current_.kind == TokenKind::kSemicolon) return advance();
    if (current_.kind == TokenKind::kOpenBrace) {
      if (depth + 1 > kMaxNesting) {
        return located_error(file_name_, current_.position, "blocks nested too deeply");
      }
      statement.has_block = true;
      if (auto s = advance(); !s.ok()) return s;
      return block_body(statement.children, &statement, depth + 1);
    }
    return unexpected("a value or '{' after " + display_name(statement.keyword));
  }

  Lexer lexer_;
  std::string_view file_name_;
  Token current_;
};

}  // namespace

base::Result<Statements> parse_document(std::string_view text, std::string_view file_name) {
  return Parser(text, file_name).document();
}

}  // namespace strait::config
