#pragma once
// The secure heap: one process-wide heap of memory for key material that is
// locked into RAM (never swapped), excluded from core dumps, and wiped when
// freed. Small blocks (up to kLargestClass bytes, the hex text of a key, a
// key, a configuration value) are carved in size classes out of slabs of
// kSlabBytes, each slab one libsodium secure allocation (sodium_malloc:
// guard pages around it, mlock'd, MADV_DONTDUMP); a freed block is wiped
// (sodium_memzero) and reused for its class, and slabs stay for the life of
// the process. Larger blocks (a configuration file, a control request) are
// sodium_malloc'd one by one and sodium_free'd (wiped). So a configuration
// of thousands of routes costs a few slabs, not a guarded mapping per key.
//
// Thread-safe (a mutex): control paths only (configuration, the control
// socket, key-manager bookkeeping), never the data path. Like base::Secret
// it aborts when libsodium cannot initialise or memory cannot be mapped
// (no exceptions in this code base).

#include <cstddef>

namespace strait::base {

inline constexpr std::size_t kSecureAlignment = 16;
inline constexpr std::size_t kLargestClass = 2048;
inline constexpr std::size_t kSlabBytes = 256 * 1024;

// `bytes` zero-filled bytes aligned to kSecureAlignment (at least one byte
// is allocated for 0).
void* secure_allocate(std::size_t bytes);
// Wipes and releases what secure_allocate(bytes) returned (the same
// `bytes`); null is ignored.
void secure_deallocate(void* memory, std::size_t bytes) noexcept;

struct SecureHeapStats {
  std::size_t slabs = 0;         // slabs mapped (never unmapped)
  std::size_t small_blocks = 0;  // small blocks in use
  std::size_t large_blocks = 0;  // large blocks in use
};
SecureHeapStats secure_heap_stats();

// Whether [memory, memory + bytes) lies inside the secure heap (a slab or a
// large block in use). For tests.
bool in_secure_heap(const void* memory, std::size_t bytes);

}  // namespace strait::base
