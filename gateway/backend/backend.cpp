#include "backend/backend.hpp"

#include <cerrno>

#include "backend/memory_backend.hpp"

#if STRAIT_HAVE_AFPACKET
#include "backend/af_packet_backend.hpp"
#endif
#if STRAIT_HAVE_XDP
#include "backend/xdp_backend.hpp"
#endif

namespace strait::backend {

base::Result<std::unique_ptr<PortPair>> Backend::open_pair(const PortPairSpec& spec) {
  auto pair = do_open_pair(spec);
  if (!pair) return with_hint(pair.error(), kind());
  return pair;
}

base::Error with_hint(base::Error error, BackendKind kind) {
  const int cause = error.system_error;
  if (cause == 0 || kind == BackendKind::kMemory) return error;
  if (cause == EPERM || cause == EACCES) {
    error.message += kind == BackendKind::kXdp
                         ? " (AF_XDP needs root, or CAP_NET_ADMIN, CAP_NET_RAW, CAP_BPF and "
                           "CAP_SYS_ADMIN, and enough locked memory: ulimit -l)"
                         : " (AF_PACKET needs root or CAP_NET_RAW)";
    return error;
  }
  // A missing interface is not the driver's refusal: its message says so.
  if (kind == BackendKind::kXdp && cause != ENODEV && cause != ENXIO && cause != ENOENT)
    error.message += " (the driver or kernel refused AF_XDP; try --af-packet)";
  return error;
}

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
    case BackendKind::kMemory:
      return std::unique_ptr<Backend>(std::make_unique<MemoryBackend>());
  }
  return base::Error{"unknown backend"};
}

}  // namespace strait::backend
