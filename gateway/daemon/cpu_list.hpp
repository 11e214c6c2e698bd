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

// Empty if every CPU is one this process may run on; else the error names
// the first one that is not, and the allowed set.
base::Status check_cpus_allowed(const std::vector<int>& cpus);

}  // namespace strait::daemon
