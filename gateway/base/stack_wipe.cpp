#include "base/stack_wipe.hpp"

#include <sodium.h>

namespace strait::base {

// Not inlined: its frame must lie where the callee frames of its caller were.
[[gnu::noinline]] void wipe_stack() noexcept {
  unsigned char scratch[kStackWipeBytes];
  sodium_memzero(scratch, sizeof scratch);
  __asm__ volatile("" : : "r"(scratch) : "memory");
}

}  // namespace strait::base
