#pragma once
// The AF_XDP backend: per pair, one frame pool registered as the UMEM
// shared by the pair's two sockets, so a packet received on one interface
// is transmitted on the other from the same frame. Native XDP where the
// driver has it, generic otherwise. The XDP program gives a port every
// frame (Traffic::kAll) or only the gateway's own (Traffic::kOwn).

#include <memory>

#include "backend/backend.hpp"

namespace strait::backend {

std::unique_ptr<Backend> make_xdp_backend();

}  // namespace strait::backend
