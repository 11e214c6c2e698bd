#include "backend/backend.hpp"

#if STRAIT_HAVE_AFPACKET
#include "backend/af_packet_backend.hpp"
#endif
#if STRAIT_HAVE_XDP
#include "backend/xdp_backend.hpp"
#endif

namespace strait::backend {

base::Result<std::unique_ptr<QueuePorts>> Backend::open_queue(const QueueBinding& binding) {
  auto ports = open_pair(queue_pair_spec(binding, kind()));
  if (!ports) return ports.error();
  return std::make_unique<QueuePorts>(std::move(*ports));
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

}  // namespace strait::backend
