#include "bench/traffic.hpp"

#include <algorithm>
#include <cstring>

#include "net/checksum.hpp"
#include "net/headers.hpp"

namespace strait::bench {

using namespace strait::net;

void route_destination(std::uint32_t route, std::uint8_t out[4]) noexcept {
  out[0] = static_cast<std::uint8_t>(20 + (route >> 16));
  out[1] = static_cast<std::uint8_t>(route >> 8);
  out[2] = static_cast<std::uint8_t>(route);
  out[3] = 1;
}

Traffic::Traffic(io::FramePool& pool, io::MemoryPort& host, const Addresses& addresses,
                 std::vector<std::uint32_t> frame_sizes, std::uint32_t routes,
                 std::uint64_t packets)
    : pool_(pool),
      host_(host),
      addresses_(addresses),
      frame_sizes_(std::move(frame_sizes)),
      routes_(routes),
      packets_(packets) {}

// An IPv4/UDP frame from the host, with a counting payload.
void Traffic::write_frame(io::Packet* p, std::uint32_t frame_size) noexcept {
  std::uint8_t* f = p->data;
  std::memset(f, 0, frame_size);
  store16(f + 12, kEthertypeIpv4);
  auto* ip = reinterpret_cast<Ipv4Header*>(f + kEthernetHeaderSize);
  const auto ip_length = static_cast<std::uint16_t>(frame_size - kEthernetHeaderSize);
  ip->version_ihl = 0x45;
  store16(ip->total_length, ip_length);
  ip->protocol = kProtocolUdp;
  std::memcpy(ip->source, addresses_.host_ip, 4);
  std::uint8_t* udp = f + kEthernetHeaderSize + kIpv4HeaderSize;
  store16(udp, 4000);
  store16(udp + 2, 5000);
  store16(udp + 4, static_cast<std::uint16_t>(ip_length - kIpv4HeaderSize));
  for (std::uint32_t i = kEthernetHeaderSize + kIpv4HeaderSize + kUdpHeaderSize; i < frame_size;
       ++i)
    f[i] = static_cast<std::uint8_t>(i);
  p->length = frame_size;
}

// Ethernet addresses, the next route's destination, TTL 64, checksum.
void Traffic::address(io::Packet* p) noexcept {
  std::memcpy(p->data, addresses_.gateway_mac, 6);
  std::memcpy(p->data + 6, addresses_.host_mac, 6);
  auto* ip = reinterpret_cast<Ipv4Header*>(p->data + kEthernetHeaderSize);
  ip->ttl = 64;
  route_destination(next_route_, ip->destination);
  if (++next_route_ == routes_) next_route_ = 0;
  store16(ip->checksum, 0);
  store16(ip->checksum, ipv4_header_checksum(p->data + kEthernetHeaderSize));
}

void Traffic::prime() noexcept {
  io::Packet* batch[64];
  const std::uint64_t target = std::min<std::uint64_t>(kInFlight, packets_);
  while (sent_ < target && host_.transmit_room() >= 64) {
    const std::size_t n = pool_.allocate_batch(batch, std::min<std::uint64_t>(64, target - sent_));
    if (n == 0) break;  // pool exhausted: fewer packets in flight
    for (std::size_t i = 0; i < n; ++i) {
      write_frame(batch[i], frame_sizes_[next_size_]);
      if (++next_size_ == frame_sizes_.size()) next_size_ = 0;
      address(batch[i]);
    }
    host_.transmit({batch, n});
    sent_ += n;
  }
}

std::size_t Traffic::step() noexcept {
  io::Packet* batch[64];
  const std::size_t got = host_.receive(batch);
  std::size_t again = 0;
  for (std::size_t i = 0; i < got; ++i) {
    io::Packet* p = batch[i];
    const auto* ip = reinterpret_cast<const Ipv4Header*>(p->data + kEthernetHeaderSize);
    // The decapsulated packet from the host, its TTL decremented once in
    // each direction, its header intact.
    const bool ok = p->length >= kEthernetHeaderSize + kIpv4HeaderSize &&
                    load16(p->data + 12) == kEthertypeIpv4 && ip->ttl == 62 &&
                    ip->protocol == kProtocolUdp &&
                    std::memcmp(ip->source, addresses_.host_ip, 4) == 0 &&
                    ipv4_header_checksum(p->data + kEthernetHeaderSize) == 0;
    corrupted_ += !ok;
    bytes_ += p->length;
    if (ok && sent_ < packets_) {
      address(p);
      batch[again++] = p;
      ++sent_;
    } else {
      host_.release(p);
    }
  }
  if (again) host_.transmit({batch, again});
  received_ += got;
  return got;
}

}  // namespace strait::bench
