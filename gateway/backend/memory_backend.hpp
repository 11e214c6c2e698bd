#pragma once
// The in-process backend: each pair is two io::MemoryWires over a frame
// pool of its own, the program's ports at one end of each wire and the far
// ends left for whoever plays the network (a test, the simulator's links).
// It opens no kernel interface and cannot fail but for memory. The far
// ends of every pair it opened stay reachable through the backend while
// the pair is open.

#include <cstddef>
#include <list>
#include <memory>

#include "backend/backend.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"

namespace strait::backend {

class MemoryBackend : public Backend {
 public:
  // What the network sees of one open pair: the far end of each wire, and
  // the pool their frames come from.
  struct FarEnds {
    PortPairSpec spec;
    io::MemoryPort* first = nullptr;   // faces the pair's first port
    io::MemoryPort* second = nullptr;  // faces the pair's second port
    io::FramePool* pool = nullptr;
  };

  // Frames of each pair's pool: as the pair's spec asks (sized for a
  // kernel backend's rings), or at most `max_frames` (the simulator runs
  // many gateways at low rates and builds them often).
  MemoryBackend() = default;
  explicit MemoryBackend(std::size_t max_frames) : max_frames_(max_frames) {}

  BackendKind kind() const noexcept override { return BackendKind::kMemory; }
  // The pairs open now, oldest first.
  std::vector<FarEnds> open_pairs() const;
  // Pairs opened so far, closed ones included.
  std::size_t opened() const noexcept { return opened_; }

 protected:
  base::Result<std::unique_ptr<PortPair>> do_open_pair(const PortPairSpec& spec) override;

 private:
  class Pair;
  std::size_t max_frames_ = 0;  // 0: as the spec asks
  std::size_t opened_ = 0;
  std::list<FarEnds> open_;  // stable addresses: each Pair removes its own entry
};

}  // namespace strait::backend
