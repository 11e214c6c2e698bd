#pragma once
// SecureAllocator<T>: a standard allocator over the secure heap
// (secure_heap.hpp: locked into RAM, excluded from core dumps, wiped when
// released). For containers and queues whose elements hold key material.
// Control path only; like base::Secret it aborts when the memory cannot be
// mapped (no exceptions in this code base).

#include <cstddef>
#include <cstdlib>
#include <limits>

#include "base/secure_heap.hpp"

namespace strait::base {

template <class T>
class SecureAllocator {
 public:
  using value_type = T;

  SecureAllocator() noexcept = default;
  template <class U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT: rebinding converts implicitly

  T* allocate(std::size_t n) {
    static_assert(alignof(T) <= kSecureAlignment, "the secure heap aligns to 16 bytes");
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) std::abort();
    return static_cast<T*>(secure_allocate(n * sizeof(T)));
  }
  void deallocate(T* memory, std::size_t n) noexcept { secure_deallocate(memory, n * sizeof(T)); }

  template <class U>
  bool operator==(const SecureAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace strait::base
