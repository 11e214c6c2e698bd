#pragma once
// The two kernel ports of the emulated link, over one frame pool so that a
// frame received on one interface is held and sent out of the other
// without a copy of its own: AF_PACKET (the default, on any interface; the
// backend copies between its rings and the pool) or AF_XDP (the pool is the
// UMEM both sockets share). Every frame is received, whatever its
// destination: the XDP program runs in its pass-everything (private-side)
// mode and AF_PACKET sockets are promiscuous.

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "io/frame_pool.hpp"
#include "io/port.hpp"

namespace strait::wan {

enum class PortBackend { kAfPacket, kXdp };

std::string_view port_backend_name(PortBackend backend) noexcept;
// Whether this build has the backend.
bool port_backend_available(PortBackend backend) noexcept;

class LinkPorts {
 public:
  // `hold_frames`: frames the emulator may hold in all (both directions);
  // the pool is sized for them plus the rings.
  static base::Result<std::unique_ptr<LinkPorts>> open(PortBackend backend, const std::string& if_a,
                                                       const std::string& if_b,
                                                       std::size_t hold_frames);
  virtual ~LinkPorts() = default;

  virtual io::Port& a() noexcept = 0;
  virtual io::Port& b() noexcept = 0;
  // Readable when a port has received frames.
  virtual std::vector<int> wait_fds() const = 0;
  virtual io::FramePool& pool() noexcept = 0;
  // Port-level notes for the start line, e.g. "AF_XDP (generic mode)".
  virtual std::string description() const = 0;
};

}  // namespace strait::wan
