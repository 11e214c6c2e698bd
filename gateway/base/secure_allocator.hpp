#pragma once
// SecureAllocator<T>: a standard allocator over libsodium's secure memory
// (sodium_allocarray: guard pages, locked into RAM where RLIMIT_MEMLOCK
// allows, excluded from core dumps, wiped by sodium_free on release). For
// containers and queues whose elements hold key material. Control path
// only; like base::Secret it aborts when sodium cannot initialise or the
// memory cannot be mapped (no exceptions in this code base).

#include <sodium.h>

#include <cstddef>
#include <cstdlib>

namespace strait::base {

template <class T>
class SecureAllocator {
 public:
  using value_type = T;

  SecureAllocator() noexcept = default;
  template <class U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT: rebinding converts implicitly

  T* allocate(std::size_t n) {
    if (sodium_init() < 0) std::abort();
    void* memory = sodium_allocarray(n, sizeof(T));
    if (memory == nullptr) std::abort();
    return static_cast<T*>(memory);
  }
  void deallocate(T* memory, std::size_t) noexcept { sodium_free(memory); }

  template <class U>
  bool operator==(const SecureAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace strait::base
