#include "control/controller.hpp"

#include "base/log.hpp"
#include "config/schema.hpp"
#include "config/warnings.hpp"
#include "control/path.hpp"
#include "control/tree.hpp"

namespace strait::control {

namespace {

constexpr std::string_view kBodyName = "stdin";
constexpr std::string_view kUnchanged =
    " (nothing changed: the gateway runs the configuration it ran)";

Response failure(std::string message) {
  return Response{false, std::move(message)};
}

}  // namespace

Controller::Controller(ManagedGateway& gateway, config::Statements running)
    : gateway_(gateway), running_(std::move(running)) {}

base::Status Controller::commit(config::Statements candidate, std::string_view file_name) {
  auto config = config::apply_schema(candidate, file_name);
  if (!config) return config.error();
  if (auto applied = gateway_.apply(*config); !applied) return applied.error();
  running_ = std::move(candidate);
  warnings_ = config::warnings_of(*config);
  for (const auto& warning : warnings_)
    LOG_WARN("configuration: " + warning);
  return base::Ok{};
}

base::Status Controller::replace(std::string_view text, std::string_view file_name) {
  auto document = config::parse_document(text, file_name);
  if (!document) return document.error();
  return commit(std::move(document).value(), file_name);
}

Response Controller::handle(const Request& request) {
  auto path = parse_path(request.path);
  if (!path) return failure(path.error().message);
  const std::string what = std::string(verb_name(request.verb)) + " " + request.path;
  switch (request.verb) {
    case Verb::kGet: {
      auto text = get_text(running_, *path, PrintOptions{request.secrets}, request.json);
      if (!text) return failure(text.error().message);
      return Response{true, std::move(text).value()};
    }
    case Verb::kGetState: {
      auto state = gateway_.state(request.queue);
      if (!state) return failure(state.error().message);
      auto tree = config::parse_document(*state, "gateway-state");
      if (!tree) return failure("internal error: " + tree.error().message);
      auto text = get_text(*tree, *path, PrintOptions{}, request.json);
      if (!text) return failure(text.error().message);
      return Response{true, std::move(text).value()};
    }
    case Verb::kSet:
    case Verb::kAdd:
    case Verb::kRemove:
      break;
  }
  auto candidate =
      request.verb == Verb::kSet   ? set_subtree(running_, *path, request.body, kBodyName)
      : request.verb == Verb::kAdd ? add_entries(running_, *path, request.body, kBodyName)
                                   : remove_subtree(running_, *path);
  base::Status done =
      candidate ? commit(std::move(candidate).value(), kBodyName) : base::Status(candidate.error());
  if (!done) {
    LOG_WARN("configuration: rejected " + what + ": " + done.error().message);
    return failure(done.error().message + std::string(kUnchanged));
  }
  LOG_INFO("configuration: " + what + " applied");
  std::string body;
  for (const auto& warning : warnings_)
    body += "warning: " + warning + "\n";
  return Response{true, std::move(body)};
}

}  // namespace strait::control
