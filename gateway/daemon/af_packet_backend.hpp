#pragma once
// AF_PACKET: works on any kernel interface, copies each packet once
// between the kernel's ring and the queue's frame pool.

#include "daemon/backend.hpp"

namespace strait::daemon {

std::unique_ptr<Backend> make_af_packet_backend();

}  // namespace strait::daemon
