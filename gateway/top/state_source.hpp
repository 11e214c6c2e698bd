#pragma once
// Where `strait top` gets a running gateway's state: for now the
// gateway-state file `strait run` rewrites every second under
// <run root>/NAME/; later the control socket can stand in, behind the same
// interface.

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

}  // namespace strait::top
