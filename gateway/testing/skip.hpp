// Tests that cannot run their check (not root, a tool missing) are reported
// by CTest as "Skipped", never "Passed": they print the reason and exit with
// kSkipReturnCode, which strait_test(... SKIPPABLE) registers as the test's
// SKIP_RETURN_CODE. Call skip_unless_lab() from a global fixture (before any
// test case runs), so a skipped executable has run no check at all:
//
//   struct Requirements {
//     Requirements() { strait::testing::skip_unless_lab({"ip", "iperf3"}); }
//   };
//   BOOST_TEST_GLOBAL_FIXTURE(Requirements);
//
// Header only: the lab test executables link nothing else.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>

namespace strait::testing {

inline constexpr int kSkipReturnCode = 77;  // as Automake's test harness

// skip REASON: "SKIP: REASON" on stdout and stderr, exit status 77.
[[noreturn]] inline void skip(const std::string& reason) {
  std::printf("SKIP: %s\n", reason.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "SKIP: %s\n", reason.c_str());
  std::exit(kSkipReturnCode);
}

// has_tool NAME: NAME is on PATH (or an executable path).
inline bool has_tool(const std::string& name) {
  const std::string command = "command -v '" + name + "' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// skip_unless_lab TOOLS: skips unless the test runs as root (network
// namespaces, raw sockets) with every tool of TOOLS on PATH.
inline void skip_unless_lab(std::initializer_list<const char*> tools) {
  if (geteuid() != 0)
    skip("needs root (network namespaces, raw sockets): run ctest -L lab as root");
  std::string missing;
  for (const char* tool : tools)
    if (!has_tool(tool)) missing += std::string(missing.empty() ? "" : ", ") + tool;
  if (!missing.empty())
    skip("missing tool(s) on PATH: " + missing + " (ci/install-deps installs them)");
}

}  // namespace strait::testing
