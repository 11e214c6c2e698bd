#pragma once
// The IP / UDP envelope of key-exchange messages (PROTOCOL.md 2.1): source
// and destination port `protocol-port`, TTL / hop limit 64, a valid UDP
// checksum and a UDP length that matches the IP payload.

#include <cstdint>
#include <optional>
#include <span>

#include "io/packet.hpp"
#include "net/address.hpp"

namespace strait::keymanager {

// Largest key-exchange UDP payload: transport header + the biggest message.
constexpr std::size_t kMaxPayload = 8 + 80;

// Writes an Ethernet-less frame into `out` (a fresh packet; data keeps room
// for the Ethernet header the next hop writes): IP + UDP + payload.
void write_datagram(io::Packet* out, const net::Address& source, const net::Address& destination,
                    std::uint16_t port, std::span<const std::uint8_t> payload) noexcept;
// NAT traversal (docs/NAT-TRAVERSAL.md): the same from `source_port` to
// `destination_port`, the payload after the non-ESP marker (4 zero bytes,
// RFC 3948 2.2).
void write_marked_datagram(io::Packet* out, const net::Address& source,
                           const net::Address& destination, std::uint16_t source_port,
                           std::uint16_t destination_port,
                           std::span<const std::uint8_t> payload) noexcept;

struct Datagram {
  net::Address source;
  std::span<const std::uint8_t> payload;
  std::uint16_t source_port = 0;
  bool marked = false;  // came on the nat-traversal port, marker removed
};

// Validates the UDP datagram of a packet handed over by public dispatch
// (its IP header was validated; data at the Ethernet header, length trimmed
// to the IP length). nullopt: a protocol error (bad UDP length, missing or
// bad checksum, wrong destination port).
// With `nat_port` (non-zero) a datagram to that port is taken too: its
// payload must start with the non-ESP marker, which is removed (marked).
std::optional<Datagram> read_datagram(const io::Packet* p, net::Family family, std::uint16_t port,
                                      std::uint16_t nat_port = 0) noexcept;

}  // namespace strait::keymanager
