#pragma once
// Where `strait top` gets a running gateway's state: its control socket
// (get-state: every queue summed and each queue, rendered as asked), or
// the gateway-state file `strait run` rewrites every second under
// <run root>/NAME/ (every queue summed) when no socket answers (not root,
// an older gateway).

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/result.hpp"

namespace strait::top {

// One gateway-state document: of one queue, or summed over all of them.
struct StateDocument {
  std::optional<unsigned> queue;  // nullopt: every queue summed
  std::string text;
};

struct StateReading {
  std::vector<StateDocument> documents;
  // When the gateway took the state (ns on the realtime clock), so that
  // rates divide by the interval between two states, not two reads.
  base::Nanoseconds taken = 0;
};

class StateSource {
 public:
  virtual ~StateSource() = default;
  // The latest state; an error says why there is none (gateway not
  // running, state not written yet).
  virtual base::Result<StateReading> read() = 0;
};

// <run root>/NAME/gateway-state, for as long as the process in
// <run root>/NAME/pid lives.
class FileStateSource final : public StateSource {
 public:
  FileStateSource(std::string run_root, std::string name)
      : root_(std::move(run_root)), name_(std::move(name)) {}
  base::Result<StateReading> read() override;

 private:
  std::string root_;
  std::string name_;
};

// get-state over <run root>/NAME.sock: the summed state and each queue's
// (queues from the running configuration's public interfaces). Asks at
// most once per `min_period` (ns; get-state pauses the workers for a
// moment): reads in between return the last answer.
class ControlStateSource final : public StateSource {
 public:
  ControlStateSource(std::string run_root, std::string name, base::Nanoseconds min_period)
      : root_(std::move(run_root)), name_(std::move(name)), min_period_(min_period) {}
  base::Result<StateReading> read() override;

 private:
  std::string root_;
  std::string name_;
  base::Nanoseconds min_period_;
  std::optional<StateReading> last_;
  base::Nanoseconds last_asked_ = 0;  // monotonic
};

// The control socket while it answers, else the state file. Says which
// one the last read used (for the status line).
class FallbackStateSource final : public StateSource {
 public:
  FallbackStateSource(std::string run_root, std::string name, base::Nanoseconds min_period)
      : socket_(run_root, name, min_period), file_(std::move(run_root), std::move(name)) {}
  base::Result<StateReading> read() override;
  bool from_socket() const { return from_socket_; }
  // Why the socket did not answer (empty while it does).
  const std::string& socket_error() const { return socket_error_; }

 private:
  ControlStateSource socket_;
  FileStateSource file_;
  bool from_socket_ = false;
  std::string socket_error_;
};

}  // namespace strait::top
