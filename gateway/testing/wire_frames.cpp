#include "testing/wire_frames.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace strait::testing {

void inject(io::MemoryPort& host, const io::FramePool& pool, const Bytes& frame) {
  if (frame.size() > pool.max_frame_length())
    throw std::runtime_error("frame of " + std::to_string(frame.size()) + " bytes too long");
  io::Packet* p = host.allocate();
  if (p == nullptr) throw std::runtime_error("frame pool exhausted");
  if (!frame.empty()) std::memcpy(p->data, frame.data(), frame.size());
  p->length = static_cast<std::uint32_t>(frame.size());
  io::Packet* one[] = {p};
  const std::uint64_t dropped = host.counters().txdrop;
  host.transmit(one);
  if (host.counters().txdrop != dropped) throw std::runtime_error("wire ring full");
}

std::vector<Bytes> drain(io::MemoryPort& host) {
  std::vector<Bytes> out;
  io::Packet* burst[64];
  while (const std::size_t n = host.receive(burst)) {
    for (std::size_t i = 0; i < n; ++i) {
      out.emplace_back(burst[i]->data, burst[i]->data + burst[i]->length);
      host.release(burst[i]);
    }
  }
  return out;
}

void release_in_flight(io::MemoryWire& wire) {
  wire.release_waiting();
}

}  // namespace strait::testing
