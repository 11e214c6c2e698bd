#pragma once
// Originates ICMP errors about packets the gateway cannot forward (TTL
// expired, too big), from the gateway's private address, rate limited so a
// flood of bad packets cannot turn the gateway into an amplifier.

#include "base/clock.hpp"
#include "base/rate_limit.hpp"
#include "icmp/error_message.hpp"
#include "io/link.hpp"
#include "io/port.hpp"
#include "net/address.hpp"

namespace strait::router {

class IcmpErrorSender {
 public:
  static constexpr std::uint32_t kErrorsPerSecond = 1000;

  IcmpErrorSender(const net::Address& source, const base::Clock& clock)
      : source_(source), clock_(clock) {}

  // Pushes an error about the IP packet `offender` onto `out` (allocating
  // from `port`); does nothing when rate limited, out of frames or when the
  // offender must not be answered. An error that does not fit in the
  // port's frames (not even the offender's IP header and 8 bytes) is
  // dropped and counted as the port's txdrop: a packet the gateway meant to
  // send on it.
  void send(const std::uint8_t* offender, std::size_t offender_length, icmp::ErrorType type,
            std::uint32_t rest, io::Port& port, io::Link& out) noexcept {
    if (!limit_.allow(clock_.now())) return;
    io::Packet* e = port.allocate();
    if (e == nullptr) return;
    switch (icmp::write_error(e, source_.family, offender, offender_length, type, rest, source_)) {
      case icmp::WriteResult::kWritten:
        out.push(e);
        return;
      case icmp::WriteResult::kNoRoom:
        ++port.counters().txdrop;
        break;
      case icmp::WriteResult::kNotAnswered:
        break;
    }
    port.release(e);
  }

 private:
  net::Address source_;
  const base::Clock& clock_;
  base::RateLimit limit_{kErrorsPerSecond, base::kSecond};
};

}  // namespace strait::router
