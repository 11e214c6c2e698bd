#pragma once
// ICMP addressed to one of the gateway's own addresses: every message is
// validated and counted by type and code (the *-icmp4 / *-icmp6 containers
// of gateway-state); echo requests are turned into echo replies in place.
// Inbound error messages are logged, rate limited.

#include <cstdint>

#include "base/clock.hpp"
#include "base/rate_limit.hpp"
#include "io/packet.hpp"
#include "net/address.hpp"
#include "state/counters.hpp"

namespace strait::icmp {

class Responder {
 public:
  // `name` labels log lines ("private", "public", "inbound").
  Responder(net::Family family, const char* name, const base::Clock& clock)
      : family_(family), name_(name), clock_(clock) {}

  enum class Verdict : std::uint8_t { kReply, kConsumed };

  // `p->data` is the Ethernet header; the IP header follows and was already
  // validated by dispatch (version, header length, total length, checksum),
  // its destination is ours. ip_length is the IP total length. On kReply the
  // packet is an echo reply ready for the next hop (source and destination
  // swapped, TTL / hop limit 64); on kConsumed the caller releases it.
  Verdict handle(io::Packet* p, std::size_t ip_length) noexcept;

  state::IcmpCounters& counters() noexcept { return counters_; }
  const state::IcmpCounters& counters() const noexcept { return counters_; }

 private:
  Verdict handle4(std::uint8_t* ip, std::size_t ip_length) noexcept;
  Verdict handle6(std::uint8_t* ip, std::size_t ip_length) noexcept;
  void log_error(std::uint8_t type, std::uint8_t code, const std::uint8_t* source) noexcept;

  net::Family family_;
  const char* name_;
  const base::Clock& clock_;
  base::RateLimit log_limit_{5, base::kSecond};
  state::IcmpCounters counters_;
};

}  // namespace strait::icmp
