#pragma once
// Storage for objects that hold key material (ESP SAs with their expanded
// key schedules): memory locked into RAM (never swapped), excluded from
// core dumps, and wiped when an object is destroyed. Objects live in chunks
// that are mapped as needed and never move, so pointers stay valid for the
// data path. Control path only: creation may map memory and reports failure
// with nullptr.

#include <sodium.h>
#include <sys/mman.h>

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace strait::base {

template <class T>
class LockedPool {
 public:
  static constexpr std::size_t kChunkObjects = 64;

  LockedPool() = default;
  LockedPool(const LockedPool&) = delete;
  LockedPool& operator=(const LockedPool&) = delete;
  ~LockedPool() {
    for (const Chunk& c : chunks_) {
      sodium_memzero(c.memory, kChunkBytes);
      munlock(c.memory, kChunkBytes);
      munmap(c.memory, kChunkBytes);
    }
  }

  // Constructs a T in locked memory; nullptr if memory cannot be mapped.
  template <class... Args>
  T* create(Args&&... args) {
    if (free_.empty() && !grow()) return nullptr;
    void* slot = free_.back();
    free_.pop_back();
    return new (slot) T(std::forward<Args>(args)...);
  }

  // Destroys, wipes and recycles an object of this pool.
  void destroy(T* object) noexcept {
    if (object == nullptr) return;
    object->~T();
    sodium_memzero(static_cast<void*>(object), sizeof(T));
    free_.push_back(object);
  }

  // False once locking failed (memory still usable, but swappable).
  bool locked() const noexcept { return locked_; }
  std::size_t capacity() const noexcept { return chunks_.size() * kChunkObjects; }

  // A unique_ptr-like owner that returns the object to its pool.
  struct Deleter {
    LockedPool* pool = nullptr;
    void operator()(T* object) const noexcept {
      if (pool) pool->destroy(object);
    }
  };
  using Pointer = std::unique_ptr<T, Deleter>;
  template <class... Args>
  Pointer make(Args&&... args) {
    return Pointer(create(std::forward<Args>(args)...), Deleter{this});
  }

 private:
  static constexpr std::size_t kStride = (sizeof(T) + alignof(T) - 1) / alignof(T) * alignof(T);
  static constexpr std::size_t kChunkBytes = kStride * kChunkObjects;
  static_assert(alignof(T) <= 4096, "chunks are page aligned");

  struct Chunk {
    void* memory;
  };

  bool grow() {
    void* memory =
        mmap(nullptr, kChunkBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return false;
    if (mlock(memory, kChunkBytes) != 0) locked_ = false;
    madvise(memory, kChunkBytes, MADV_DONTDUMP);
    chunks_.push_back({memory});
    auto* bytes = static_cast<std::byte*>(memory);
    for (std::size_t i = kChunkObjects; i-- > 0;)
      free_.push_back(bytes + i * kStride);
    return true;
  }

  std::vector<Chunk> chunks_;
  std::vector<void*> free_;
  bool locked_ = true;
};

}  // namespace strait::base
