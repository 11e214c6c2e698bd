#pragma once
// Frames into and out of a MemoryWire from the test's end (the host port
// that faces the gateway), as byte vectors.

#include <vector>

#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "testing/frame_builder.hpp"

namespace strait::testing {

// Transmits a copy of `frame` on `host` (so the gateway's port receives it).
// Throws std::runtime_error if the frame is longer than the pool's frames,
// the pool is exhausted or the wire's ring is full.
void inject(io::MemoryPort& host, const io::FramePool& pool, const Bytes& frame);

// Everything `host` received (what the gateway transmitted), released.
std::vector<Bytes> drain(io::MemoryPort& host);

// Releases whatever is waiting at either end of `wire` (before its pool goes).
void release_in_flight(io::MemoryWire& wire);

}  // namespace strait::testing
