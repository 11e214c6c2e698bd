#include "base/secure_heap.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace strait::base {

namespace {

// 16, 32, ..., kLargestClass.
constexpr std::size_t kClasses = 8;
static_assert((std::size_t{16} << (kClasses - 1)) == kLargestClass);
static_assert(kSlabBytes % 4096 == 0 && kSlabBytes >= kLargestClass);

std::size_t class_of(std::size_t bytes) {
  std::size_t c = 0;
  while ((std::size_t{16} << c) < bytes)
    ++c;
  return c;
}

std::size_t round_up(std::size_t bytes) {
  return (bytes + kSecureAlignment - 1) / kSecureAlignment * kSecureAlignment;
}

class Heap {
 public:
  void* allocate(std::size_t bytes) {
    if (bytes == 0) bytes = 1;
    if (bytes > kLargestClass) return allocate_large(bytes);
    const std::size_t c = class_of(bytes);
    const std::size_t size = std::size_t{16} << c;
    std::lock_guard lock(mutex_);
    void* block = free_[c];
    if (block != nullptr) {
      std::memcpy(&free_[c], block, sizeof(void*));
      sodium_memzero(block, sizeof(void*));  // the rest was wiped when freed
    } else {
      if (slabs_.empty() || slab_used_ + size > kSlabBytes) {
        void* slab = sodium_malloc(kSlabBytes);  // guard pages, mlock, MADV_DONTDUMP
        if (slab == nullptr) std::abort();
        sodium_memzero(slab, kSlabBytes);  // sodium_malloc fills it with a pattern
        slabs_.push_back(static_cast<std::uint8_t*>(slab));
        slab_used_ = 0;
      }
      block = slabs_.back() + slab_used_;
      slab_used_ += size;
    }
    ++small_blocks_;
    return block;
  }

  void deallocate(void* memory, std::size_t bytes) noexcept {
    if (memory == nullptr) return;
    if (bytes == 0) bytes = 1;
    if (bytes > kLargestClass) {
      std::lock_guard lock(mutex_);
      large_.erase(memory);
      sodium_free(memory);  // wipes
      return;
    }
    const std::size_t c = class_of(bytes);
    sodium_memzero(memory, std::size_t{16} << c);
    std::lock_guard lock(mutex_);
    std::memcpy(memory, &free_[c], sizeof(void*));
    free_[c] = memory;
    --small_blocks_;
  }

  SecureHeapStats stats() {
    std::lock_guard lock(mutex_);
    return {slabs_.size(), small_blocks_, large_.size()};
  }

  bool contains(const void* memory, std::size_t bytes) {
    const auto begin = reinterpret_cast<std::uintptr_t>(memory);
    const auto end = begin + bytes;
    std::lock_guard lock(mutex_);
    for (const std::uint8_t* slab : slabs_) {
      const auto s = reinterpret_cast<std::uintptr_t>(slab);
      if (begin >= s && end <= s + kSlabBytes) return true;
    }
    for (const auto& [block, size] : large_) {
      const auto s = reinterpret_cast<std::uintptr_t>(block);
      if (begin >= s && end <= s + size) return true;
    }
    return false;
  }

 private:
  void* allocate_large(std::size_t bytes) {
    // sodium_malloc places the block against its rear guard page: a size
    // that is a multiple of the alignment keeps the block aligned.
    const std::size_t size = round_up(bytes);
    void* block = sodium_malloc(size);
    if (block == nullptr) std::abort();
    sodium_memzero(block, size);
    std::lock_guard lock(mutex_);
    large_[block] = size;
    return block;
  }

  std::mutex mutex_;
  std::vector<std::uint8_t*> slabs_;
  std::size_t slab_used_ = 0;
  std::array<void*, kClasses> free_{};  // intrusive free lists
  std::size_t small_blocks_ = 0;
  std::unordered_map<void*, std::size_t> large_;
};

Heap& heap() {
  // Never destroyed: objects holding secure memory may outlive any static.
  static Heap* const instance = [] {
    if (sodium_init() < 0) std::abort();
    return new Heap;
  }();
  return *instance;
}

}  // namespace

void* secure_allocate(std::size_t bytes) {
  return heap().allocate(bytes);
}

void secure_deallocate(void* memory, std::size_t bytes) noexcept {
  heap().deallocate(memory, bytes);
}

SecureHeapStats secure_heap_stats() {
  return heap().stats();
}

bool in_secure_heap(const void* memory, std::size_t bytes) {
  return heap().contains(memory, bytes);
}

}  // namespace strait::base
