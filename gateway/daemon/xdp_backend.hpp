#pragma once
// The AF_XDP backend of `strait run`: per queue, one frame pool registered
// as the UMEM shared by the queue's two sockets (private and public), so a
// packet received on one interface is transmitted on the other from the
// same frame. Native XDP where the driver has it, generic otherwise.

#include <memory>

#include "daemon/backend.hpp"

namespace strait::daemon {

std::unique_ptr<Backend> make_xdp_backend();

}  // namespace strait::daemon
