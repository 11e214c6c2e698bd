#include "hostcheck/finding.hpp"

namespace strait::hostcheck {

std::string format(const Finding& finding) {
  std::string line = finding.verdict == Verdict::kOk     ? "ok    "
                     : finding.verdict == Verdict::kWarn ? "warn  "
                                                         : "FAIL  ";
  line += finding.subject + ": " + finding.detail;
  if (finding.verdict != Verdict::kOk && !finding.fix.empty()) line += "; fix: " + finding.fix;
  return line;
}

int Report::count(Verdict verdict) const {
  int n = 0;
  for (const Finding& finding : findings)
    if (finding.verdict == verdict) ++n;
  return n;
}

}  // namespace strait::hostcheck
