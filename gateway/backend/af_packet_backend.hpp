#pragma once
// AF_PACKET: works on any kernel interface, copies each packet once
// between the kernel's ring and the pair's frame pool. Sockets are
// promiscuous: every port receives every frame (Traffic::kAll or not).

#include <memory>

#include "backend/backend.hpp"

namespace strait::backend {

std::unique_ptr<Backend> make_af_packet_backend();

}  // namespace strait::backend
