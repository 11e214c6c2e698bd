#pragma once
// The configuration side of a running gateway: keeps the running
// configuration (the document last applied), answers get / get-state, and
// runs set / add / remove as transactions: the edit builds a candidate
// document, the schema validates all of it (config::apply_schema), and the
// gateway applies it to every queue or to none. A rejected transaction
// leaves the running configuration exactly as it was. An applied one is
// checked for what works badly (config::warnings_of): each warning is
// logged, and set / add / remove answer them as their body, one
// "warning: ..." line each (empty: none).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "config/gateway_config.hpp"
#include "config/syntax_tree.hpp"
#include "control/protocol.hpp"

namespace strait::control {

// What the controller drives: the daemon, or a test's workers.
class ManagedGateway {
 public:
  virtual ~ManagedGateway() = default;
  // All or nothing: either every queue runs `config` afterwards, or
  // nothing changed and the error says why.
  virtual base::Status apply(const config::GatewayConfig& config) = 0;
  // gateway-state (worker::render_gateway_state's text): every queue
  // summed, or one queue.
  virtual base::Result<std::string> state(std::optional<std::uint16_t> queue) = 0;
};

class Controller {
 public:
  // `running`: the document the gateway runs now.
  Controller(ManagedGateway& gateway, config::Statements running);

  Response handle(const Request& request);
  // A whole new document (`strait run --config FILE` on SIGHUP) as one
  // transaction; errors are located in `file_name`.
  base::Status replace(std::string_view text, std::string_view file_name);

  // `candidate` as the whole new configuration, one transaction; errors
  // are located in `file_name`. A gateway started empty takes its
  // configuration file this way (strait run).
  base::Status commit(config::Statements candidate, std::string_view file_name);

  const config::Statements& running() const { return running_; }
  // What the last applied transaction was warned about.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  ManagedGateway& gateway_;
  config::Statements running_;
  std::vector<std::string> warnings_;
};

}  // namespace strait::control
