#pragma once
// A port-translating NAT (a masquerade) in front of a region of the
// simulator's internet (scenario: `region { ...; nat "ADDRESS"; }`), for
// NAT traversal (docs/NAT-TRAVERSAL.md). What the region's gateway sends
// leaves from the outside address, UDP from a port the NAT maps (from
// 40000 up, in order of first use; the same inside address and port keep
// their mapping), ICMP with the address alone, anything else (raw ESP: no
// port to translate) dropped. What is sent to the outside address gets in
// only as UDP to a mapped port. rebind() (event `nat-rebind REGION`)
// forgets every mapping and moves on to new ports: a NAT that lost its
// state. Checksums are recomputed (IPv4 header; UDP when present).

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <utility>

#include "net/address.hpp"

namespace strait::sim {

class Nat {
 public:
  explicit Nat(const net::Address& outside) : outside_(outside) {}

  const net::Address& outside() const noexcept { return outside_; }
  // An IP packet from the inside (`ip`, `length` bytes): rewritten in
  // place; false: dropped.
  bool outbound(std::uint8_t* ip, std::size_t length);
  // An IP packet to outside(): rewritten to its inside destination, which
  // is returned; nullopt: no mapping, dropped.
  std::optional<net::Address> inbound(std::uint8_t* ip, std::size_t length);
  void rebind();

  struct Counters {
    std::uint64_t translated = 0;  // both ways
    std::uint64_t dropped = 0;     // no port to translate, or no mapping
    std::uint64_t rebinds = 0;
  };
  const Counters& counters() const noexcept { return counters_; }

 private:
  using Inside = std::pair<net::Address, std::uint16_t>;
  using InsideKey = std::pair<std::array<std::uint8_t, 16>, std::uint16_t>;
  net::Address outside_;
  std::map<InsideKey, std::uint16_t> out_;
  std::map<std::uint16_t, Inside> in_;
  std::uint16_t next_port_ = 40000;
  Counters counters_;
};

}  // namespace strait::sim
