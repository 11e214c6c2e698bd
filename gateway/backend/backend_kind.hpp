#pragma once
// Which I/O backend carries a program's packets: AF_XDP or AF_PACKET on
// kernel interfaces, or in-process memory wires; and whether this build
// has it.

#include <string_view>

namespace strait::backend {

enum class BackendKind {
  kXdp,       // AF_XDP sockets (kernel interfaces)
  kAfPacket,  // AF_PACKET sockets (kernel interfaces)
  kMemory,    // in-process wires (tests, the simulator): no kernel interface
};

// Whether this build of strait has the backend (it needs its library at
// build time).
bool backend_available(BackendKind kind) noexcept;
// "AF_XDP", "AF_PACKET", "memory".
std::string_view backend_name(BackendKind kind) noexcept;

}  // namespace strait::backend
