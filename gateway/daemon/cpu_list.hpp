#pragma once
// CPU lists as `strait run --cpu` takes them: "2,3", "2-3", "0,4-6".

#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace strait::daemon {

// The CPUs in the order written (ranges ascending); a CPU listed twice, an
// empty item, a descending range or a non-number is an error.
base::Result<std::vector<int>> parse_cpu_list(std::string_view text);

// Ok if a thread of this process may be pinned to each of `cpus` (tried
// on a thread of its own: the process's current affinity does not limit
// it, so isolated CPUs pass); else the error names the first one that may
// not, with the online CPUs.
base::Status check_cpus_allowed(const std::vector<int>& cpus);

}  // namespace strait::daemon
