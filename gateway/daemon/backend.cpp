#include "daemon/backend.hpp"

#if STRAIT_HAVE_AFPACKET
#include "daemon/af_packet_backend.hpp"
#endif
#if STRAIT_HAVE_XDP
#include "daemon/xdp_backend.hpp"
#endif

namespace strait::daemon {

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

base::Result<std::unique_ptr<Backend>> make_backend(BackendKind kind) {
  switch (kind) {
    case BackendKind::kXdp:
#if STRAIT_HAVE_XDP
      return make_xdp_backend();
#else
      return base::Error{
          "this strait was built without the AF_XDP backend (it needs libxdp and libbpf at "
          "build time): use --af-packet, or rebuild with libxdp-dev and libbpf-dev installed"};
#endif
    case BackendKind::kAfPacket:
#if STRAIT_HAVE_AFPACKET
      return make_af_packet_backend();
#else
      return base::Error{"this strait was built without the AF_PACKET backend: use --xdp"};
#endif
  }
  return base::Error{"unknown backend"};
}

}  // namespace strait::daemon
