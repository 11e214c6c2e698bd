#include "backend/backend_kind.hpp"

namespace strait::backend {

bool backend_available(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::kXdp:
      return STRAIT_HAVE_XDP != 0;
    case BackendKind::kAfPacket:
      return STRAIT_HAVE_AFPACKET != 0;
    case BackendKind::kMemory:
      return true;
  }
  return false;
}

std::string_view backend_name(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::kXdp:
      return "AF_XDP";
    case BackendKind::kAfPacket:
      return "AF_PACKET";
    case BackendKind::kMemory:
      return "memory";
  }
  return "?";
}

}  // namespace strait::backend
