#include "control/protocol.hpp"

#include "config/diagnostic.hpp"

#include <charconv>
#include <vector>

namespace strait::control {

namespace {

std::vector<std::string_view> split_spaces(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t end = text.find(' ', i);
    const std::size_t stop = end == std::string_view::npos ? text.size() : end;
    if (stop > i) words.push_back(text.substr(i, stop - i));
    i = stop + 1;
  }
  return words;
}

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty() || text.size() > 19) return std::nullopt;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return v;
}

bool printable(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return false;
  }
  return true;
}

// A word from the peer as it may appear in a message: never one that
// could be key material (config::display_name's rule).
std::string shown(std::string_view word) {
  if (word.size() > 24 || !printable(word)) return "(unprintable or long)";
  return config::display_name(word);
}

}  // namespace

std::string_view verb_name(Verb verb) {
  switch (verb) {
    case Verb::kGet:
      return "get";
    case Verb::kSet:
      return "set";
    case Verb::kAdd:
      return "add";
    case Verb::kRemove:
      return "remove";
    case Verb::kGetState:
      return "get-state";
  }
  return "get";
}

std::optional<Verb> parse_verb(std::string_view text) {
  for (Verb v : {Verb::kGet, Verb::kSet, Verb::kAdd, Verb::kRemove, Verb::kGetState})
    if (verb_name(v) == text) return v;
  return std::nullopt;
}

base::SecureString encode(const Request& request) {
  std::string header = std::string(verb_name(request.verb)) + " " + request.path + " " +
                       std::to_string(request.body.size());
  if (request.json) header += " json";
  if (request.secrets) header += " secrets";
  if (request.queue) header += " queue=" + std::to_string(*request.queue);
  header += '\n';
  base::SecureString out;
  out.reserve(header.size() + request.body.size());
  out += header;
  out += request.body;
  return out;
}

base::SecureString encode(const Response& response) {
  const std::string header =
      std::string(response.ok ? "ok " : "error ") + std::to_string(response.body.size()) + "\n";
  base::SecureString out;
  out.reserve(header.size() + response.body.size());
  out += header;
  out += response.body;
  return out;
}

RequestReader::State RequestReader::fail(std::string message) {
  error_ = std::move(message);
  return state_ = State::kError;
}

RequestReader::State RequestReader::parse_header(std::string_view header) {
  const auto words = split_spaces(header);
  if (words.size() < 3)
    return fail("malformed request: expected 'VERB PATH LENGTH [OPTION...]' on the first line");
  const auto verb = parse_verb(words[0]);
  if (!verb)
    return fail("unknown verb " + shown(words[0]) +
                ": expected get, set, add, remove or get-state");
  request_.verb = *verb;
  if (!printable(words[1])) return fail("malformed request: the path is not printable ASCII");
  request_.path = std::string(words[1]);
  const auto length = parse_number(words[2]);
  if (!length)
    return fail("malformed request: the body length " + shown(words[2]) + " is not a number");
  if (*length > max_body_)
    return fail("request too large: a body of " + std::to_string(*length) +
                " bytes exceeds the limit of " + std::to_string(max_body_) + " bytes");
  body_length_ = static_cast<std::size_t>(*length);
  for (std::size_t i = 3; i < words.size(); ++i) {
    const std::string_view option = words[i];
    if (option == "json") {
      request_.json = true;
    } else if (option == "secrets") {
      request_.secrets = true;
    } else if (option.starts_with("queue=")) {
      const auto queue = parse_number(option.substr(6));
      if (!queue || *queue < 1 || *queue > 65535)
        return fail("malformed request: queue must be 1..65535");
      request_.queue = static_cast<std::uint16_t>(*queue);
    } else {
      return fail("unknown request option " + shown(option) +
                  ": expected json, secrets or queue=N");
    }
  }
  have_header_ = true;
  request_.body.reserve(body_length_);
  return state_ = body_length_ == 0 ? State::kComplete : State::kIncomplete;
}

RequestReader::State RequestReader::feed(std::string_view bytes) {
  if (state_ == State::kError) return state_;
  if (state_ == State::kComplete) {
    if (bytes.empty()) return state_;
    return fail("malformed request: bytes after the end of the request");
  }
  if (!have_header_) {
    const std::size_t newline = bytes.find('\n');
    const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline;
    if (header_.size() + take > kMaxHeader)
      return fail("malformed request: the first line is longer than " + std::to_string(kMaxHeader) +
                  " bytes");
    header_.append(bytes.substr(0, take));
    if (newline == std::string_view::npos) return state_;
    bytes.remove_prefix(newline + 1);
    if (parse_header(header_) == State::kError) return state_;
    if (state_ == State::kComplete) {
      if (!bytes.empty()) return fail("malformed request: bytes after the end of the request");
      return state_;
    }
  }
  const std::size_t missing = body_length_ - request_.body.size();
  if (bytes.size() > missing) return fail("malformed request: bytes after the end of the request");
  request_.body.append(bytes);
  if (request_.body.size() == body_length_) state_ = State::kComplete;
  return state_;
}

ResponseReader::State ResponseReader::feed(std::string_view bytes) {
  if (state_ != State::kIncomplete) return state_;
  if (!have_header_) {
    const std::size_t newline = bytes.find('\n');
    const std::size_t take = newline == std::string_view::npos ? bytes.size() : newline;
    header_.append(bytes.substr(0, take));
    if (header_.size() > 64) {
      error_ = "malformed response from the gateway";
      return state_ = State::kError;
    }
    if (newline == std::string_view::npos) return state_;
    bytes.remove_prefix(newline + 1);
    const auto words = split_spaces(header_);
    const auto length = words.size() == 2 ? parse_number(words[1]) : std::nullopt;
    if (!length || (words[0] != "ok" && words[0] != "error")) {
      error_ = "malformed response from the gateway";
      return state_ = State::kError;
    }
    response_.ok = words[0] == "ok";
    body_length_ = static_cast<std::size_t>(*length);
    have_header_ = true;
  }
  const std::size_t missing = body_length_ - response_.body.size();
  response_.body.append(bytes.substr(0, missing));
  if (response_.body.size() == body_length_) state_ = State::kComplete;
  return state_;
}

}  // namespace strait::control
