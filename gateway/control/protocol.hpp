#pragma once
// The control socket's protocol (one request, one response, per
// connection; AF_UNIX SOCK_STREAM):
//
//   request:  VERB SP PATH SP LENGTH *(SP OPTION) LF, then LENGTH bytes of body
//   response: ("ok" / "error") SP LENGTH LF, then LENGTH bytes
//
// VERB is get, set, add, remove or get-state; PATH as path.hpp (no
// spaces); OPTION is json, secrets or queue=N. The body is the new value
// for set and add (empty otherwise); an error's body is its message; an
// applied set, add or remove answers its warnings, "warning: ..." lines
// (empty: none).
// The header is at most kMaxHeader bytes, the body at most kMaxBody.
//
// Bodies may hold key material (a `set` of preshared-key, a `get
// --secrets`): they, and the encoded messages, live in the secure heap
// (base::SecureString), on both sides of the socket.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "base/secure_string.hpp"

namespace strait::control {

inline constexpr std::size_t kMaxHeader = 4096;
inline constexpr std::size_t kMaxBody = 64u << 20;

enum class Verb { kGet, kSet, kAdd, kRemove, kGetState };
std::string_view verb_name(Verb verb);
std::optional<Verb> parse_verb(std::string_view text);

struct Request {
  Verb verb = Verb::kGet;
  std::string path;
  base::SecureString body;
  bool json = false;
  bool secrets = false;
  std::optional<std::uint16_t> queue;
};

struct Response {
  bool ok = true;
  base::SecureString body;  // the text asked for, or the error message
};

base::SecureString encode(const Request& request);
base::SecureString encode(const Response& response);

// Reads one request from a byte stream, in pieces as they arrive.
class RequestReader {
 public:
  enum class State { kIncomplete, kComplete, kError };
  explicit RequestReader(std::size_t max_body = kMaxBody) : max_body_(max_body) {}

  // Takes the next bytes; bytes past a complete request are an error
  // (one request per connection).
  State feed(std::string_view bytes);
  State state() const { return state_; }
  // kComplete: the request; kError: what is wrong with it.
  Request& request() { return request_; }
  const std::string& error() const { return error_; }

 private:
  State fail(std::string message);
  State parse_header(std::string_view header);

  std::size_t max_body_;
  State state_ = State::kIncomplete;
  base::SecureString header_;  // a confused client may send anything first
  bool have_header_ = false;
  std::size_t body_length_ = 0;
  Request request_;
  std::string error_;
};

// Reads one response, in pieces.
class ResponseReader {
 public:
  enum class State { kIncomplete, kComplete, kError };
  State feed(std::string_view bytes);
  Response& response() { return response_; }
  const std::string& error() const { return error_; }

 private:
  State state_ = State::kIncomplete;
  std::string header_;
  bool have_header_ = false;
  std::size_t body_length_ = 0;
  Response response_;
  std::string error_;
};

}  // namespace strait::control
