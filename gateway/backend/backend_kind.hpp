#pragma once
// Which kernel I/O backend carries a program's packets: AF_XDP or
// AF_PACKET, and whether this build has it.

#include <string_view>

namespace strait::backend {

enum class BackendKind { kXdp, kAfPacket };

// Whether this build of strait has the backend (it needs its library at
// build time).
bool backend_available(BackendKind kind) noexcept;
// "AF_XDP", "AF_PACKET".
std::string_view backend_name(BackendKind kind) noexcept;

}  // namespace strait::backend
