#include "backend/backend_kind.hpp"

namespace strait::backend {

bool backend_available(BackendKind kind) noexcept {
  switch (kind) {
    case BackendKind::kXdp:
      return STRAIT_HAVE_XDP != 0;
    case BackendKind::kAfPacket:
      return STRAIT_HAVE_AFPACKET != 0;
  }
  return false;
}

std::string_view backend_name(BackendKind kind) noexcept {
  return kind == BackendKind::kXdp ? "AF_XDP" : "AF_PACKET";
}

}  // namespace strait::backend
