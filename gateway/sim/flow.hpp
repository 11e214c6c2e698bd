#pragma once
// Traffic between the hosts of two regions: constant-rate UDP, a TCP-like
// bulk transfer (a window that grows by one packet per round trip and
// halves on a timeout, go-back-N, cumulative acknowledgements) and ping.
// Every packet carries a marker (a magic, the flow, a packet id unique to
// each transmission, a data sequence number) and filler derived from them,
// so the receiving host can tell each packet apart, see duplicates, and
// prove that what it got was sent, unaltered.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "net/address.hpp"
#include "sim/scenario.hpp"

namespace strait::sim {

// The marker: the first bytes of a flow packet's payload (UDP data, echo
// data).
struct Marker {
  static constexpr std::uint8_t kMagic[8] = {'S', 'T', 'R', 'A', 'I', 'T', 'S', 'M'};
  static constexpr std::size_t kSize = 32;
  enum class Kind : std::uint32_t { kData = 0, kAck = 1 };
  std::uint32_t flow = 0;
  Kind kind = Kind::kData;
  std::uint64_t id = 0;   // this transmission
  std::uint64_t seq = 0;  // data sequence number (tcp), or the acknowledged one

  // Payload of `size` bytes: the marker, then filler derived from it.
  std::vector<std::uint8_t> payload(std::size_t size) const;
  // The marker of a payload whose filler is intact; nullopt if the payload
  // has no marker, `altered` set if it has one but its bytes were changed.
  static std::optional<Marker> read(std::span<const std::uint8_t> payload, bool& altered);
};

// Does `bytes` hold a marker's magic anywhere (a private flow's plaintext)?
bool holds_marker(std::span<const std::uint8_t> bytes) noexcept;

// A packet a host sends: an IP packet from `source` to `destination`.
struct HostPacket {
  std::vector<std::uint8_t> ip;
};

class Flow {
 public:
  Flow(const FlowSpec& spec, std::uint32_t index, net::Address source, net::Address destination,
       base::Nanoseconds start, base::Nanoseconds stop);

  // The sender's packets due at `now` (IP packets from the source host).
  void send_due(base::Nanoseconds now, std::vector<HostPacket>& out);
  // When the sender next has something to send or a timer to run.
  base::Nanoseconds next_due() const noexcept;

  // A packet of this flow arrived at the receiving host (`at_destination`:
  // data, echo requests) or back at the sender (acknowledgements, echo
  // replies). Answers (acknowledgements, echo replies) go to `out`.
  // Returns an invariant violation, if any ("delivered twice", "never
  // sent").
  std::optional<std::string> arrived(const Marker& marker, bool at_destination,
                                     base::Nanoseconds now, std::vector<HostPacket>& out);

  const FlowSpec& spec() const noexcept { return spec_; }
  std::uint64_t sent() const noexcept { return sent_; }            // transmissions
  std::uint64_t delivered() const noexcept { return delivered_; }  // unique packets received
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  // Transmissions that never arrived (at the end of the run).
  std::uint64_t lost() const noexcept { return sent_ - delivered_; }
  std::uint64_t timeouts() const noexcept { return timeouts_; }        // tcp
  std::uint64_t data_delivered() const noexcept { return expected_; }  // tcp, in order

 private:
  HostPacket data_packet(std::uint64_t seq);
  HostPacket ack_packet(std::uint64_t ack);
  HostPacket udp(const net::Address& from, const net::Address& to, const Marker& m) const;

  FlowSpec spec_;
  std::uint32_t index_;
  net::Address source_, destination_;
  base::Nanoseconds start_, stop_;
  base::Nanoseconds next_send_;
  std::uint64_t sent_ = 0;
  std::uint64_t delivered_ = 0;
  std::uint64_t duplicates_ = 0;
  std::vector<bool> received_;  // by packet id
  // tcp
  bool started_ = false;
  std::uint64_t next_seq_ = 0;  // next data sequence number to send
  std::uint64_t acked_ = 0;     // cumulative: every seq below it acknowledged
  double window_ = 2;
  base::Nanoseconds last_progress_ = 0;
  std::uint64_t timeouts_ = 0;
  std::uint64_t expected_ = 0;  // receiver: next in-order seq
  std::uint64_t acks_sent_ = 0;
};

}  // namespace strait::sim
