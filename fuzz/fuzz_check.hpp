#pragma once
// What every fuzz target shares: a failed property is reported on stderr and
// aborts, which libFuzzer records as a crash with the input that caused it.

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace strait::fuzz {

// Called before a failed property aborts (persistent.hpp: writes the inputs
// the failing state ran).
inline void (*on_failure)() = nullptr;

[[noreturn]] inline void fail(std::string_view what) {
  std::fprintf(stderr, "fuzz property failed: %.*s\n", static_cast<int>(what.size()), what.data());
  if (on_failure != nullptr) on_failure();
  std::abort();
}

inline void check(bool condition, std::string_view what) {
  if (!condition) fail(what);
}

}  // namespace strait::fuzz
