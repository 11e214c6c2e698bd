#pragma once
// One line of `strait check-host`: a verdict on one thing the gateway needs
// from the machine, what was found, the fix a person applies, and what
// `--apply` may do about it (a remedy) when that is safe to do unasked.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace strait::hostcheck {

class System;

enum class Verdict : std::uint8_t {
  kOk,    // holds
  kWarn,  // the gateway runs, but not as well as it could (or it could not be told)
  kFail,  // the gateway cannot run as configured
};

struct Finding {
  Verdict verdict = Verdict::kOk;
  std::string subject;  // "kernel", "bpffs", "eth1", "cpus", "locked memory", "instance paris"
  std::string detail;   // what was found
  std::string fix;      // what to do about it (warn and FAIL only)
  // What --apply does about it; null: left to the user.
  std::function<base::Status(System&)> remedy;
  // Remedies run in ascending order (channels and offloads before a link
  // is set up).
  int remedy_order = 0;
};

// "ok    eth1: up", "FAIL  eth1: 4 receive queues ...; fix: ethtool -L eth1 combined 2".
std::string format(const Finding& finding);

struct Report {
  std::vector<Finding> findings;
  int count(Verdict verdict) const;
  // Everything the gateway needs holds: no FAIL.
  bool passed() const { return count(Verdict::kFail) == 0; }
};

}  // namespace strait::hostcheck
