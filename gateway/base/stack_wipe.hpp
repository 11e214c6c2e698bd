#pragma once
// wipe_stack(): zeros kStackWipeBytes of the calling thread's stack below
// the caller's frame, where the functions it has just called had theirs.
// For a caller that hands key material to a library function that copies
// it onto the stack and leaves it there (libsodium's BLAKE2b compression
// keeps message words in locals): call it right after, from the same
// function. Control path only (about a microsecond).

#include <cstddef>

namespace strait::base {

inline constexpr std::size_t kStackWipeBytes = 16 * 1024;

void wipe_stack() noexcept;

}  // namespace strait::base
