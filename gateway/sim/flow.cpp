#include "sim/flow.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "net/headers.hpp"
#include "testing/frame_builder.hpp"

namespace strait::sim {

namespace {

constexpr std::uint16_t kUdpPort = 7700;
constexpr std::uint8_t kEchoRequest4 = 8, kEchoReply4 = 0, kEchoRequest6 = 128, kEchoReply6 = 129;
constexpr double kMaxWindow = 256;
constexpr base::Nanoseconds kRetransmitTimeout = 2 * base::kSecond;

void put64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8)
    p[i] = static_cast<std::uint8_t>(v);
}
std::uint64_t get64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v = v << 8 | p[i];
  return v;
}
std::uint8_t filler(const Marker& m, std::size_t i) {
  return static_cast<std::uint8_t>(m.flow * 31 + m.id * 7 + i * 13);
}

}  // namespace

std::vector<std::uint8_t> Marker::payload(std::size_t size) const {
  std::vector<std::uint8_t> p(std::max(size, kSize));
  std::memcpy(p.data(), kMagic, 8);
  net::store32(p.data() + 8, flow);
  net::store32(p.data() + 12, static_cast<std::uint32_t>(kind));
  put64(p.data() + 16, id);
  put64(p.data() + 24, seq);
  for (std::size_t i = kSize; i < p.size(); ++i)
    p[i] = filler(*this, i);
  return p;
}

std::optional<Marker> Marker::read(std::span<const std::uint8_t> payload, bool& altered) {
  altered = false;
  if (payload.size() < kSize || std::memcmp(payload.data(), kMagic, 8) != 0) return std::nullopt;
  Marker m;
  m.flow = net::load32(payload.data() + 8);
  m.kind = static_cast<Kind>(net::load32(payload.data() + 12));
  m.id = get64(payload.data() + 16);
  m.seq = get64(payload.data() + 24);
  for (std::size_t i = kSize; i < payload.size(); ++i)
    if (payload[i] != filler(m, i)) altered = true;
  return m;
}

bool holds_marker(std::span<const std::uint8_t> bytes) noexcept {
  if (bytes.size() < 8) return false;
  const auto* end = bytes.data() + bytes.size() - 8;
  for (const auto* p = bytes.data(); p <= end; ++p) {
    p = static_cast<const std::uint8_t*>(
        std::memchr(p, 'S', static_cast<std::size_t>(end - p) + 1));
    if (p == nullptr) return false;
    if (std::memcmp(p, Marker::kMagic, 8) == 0) return true;
  }
  return false;
}

Flow::Flow(const FlowSpec& spec, std::uint32_t index, net::Address source, net::Address destination,
           base::Nanoseconds start, base::Nanoseconds stop)
    : spec_(spec),
      index_(index),
      source_(source),
      destination_(destination),
      start_(start),
      stop_(stop),
      next_send_(start),
      last_progress_(start) {}

HostPacket Flow::udp(const net::Address& from, const net::Address& to, const Marker& m) const {
  const std::size_t header = (from.family == net::Family::kIpv4 ? 20 : 40) + 8;
  const std::size_t size =
      spec_.size > header + Marker::kSize ? spec_.size - header : Marker::kSize;
  return {testing::udp_packet(from, to, kUdpPort, kUdpPort, m.payload(size))};
}

HostPacket Flow::data_packet(std::uint64_t seq) {
  Marker m;
  m.flow = index_;
  m.id = sent_++;
  m.seq = seq;
  if (spec_.kind == FlowKind::kPing) {
    const bool v4 = source_.family == net::Family::kIpv4;
    return {testing::icmp_packet(source_, destination_, v4 ? kEchoRequest4 : kEchoRequest6, 0,
                                 static_cast<std::uint32_t>(index_ << 16 | (m.id & 0xffff)),
                                 m.payload(Marker::kSize + 24))};
  }
  return udp(source_, destination_, m);
}

HostPacket Flow::ack_packet(std::uint64_t ack) {
  Marker m;
  m.flow = index_;
  m.kind = Marker::Kind::kAck;
  m.id = acks_sent_++;
  m.seq = ack;
  return udp(destination_, source_, m);
}

void Flow::send_due(base::Nanoseconds now, std::vector<HostPacket>& out) {
  if (now < start_) return;
  switch (spec_.kind) {
    case FlowKind::kUdp:
    case FlowKind::kPing:
      while (next_send_ <= now && next_send_ < stop_) {
        out.push_back(data_packet(sent_));
        if (spec_.kind == FlowKind::kUdp) {
          // Evenly spaced, without drift: the n-th packet at start + n / rate.
          next_send_ = start_ + static_cast<base::Nanoseconds>(std::llround(
                                    static_cast<double>(sent_) * 1e9 / spec_.rate_pps));
        } else {
          next_send_ = start_ + sent_ * spec_.interval;
        }
      }
      return;
    case FlowKind::kTcp:
      if (now >= stop_) return;
      if (!started_) {
        started_ = true;
        last_progress_ = now;
      }
      if (next_seq_ > acked_ && now - last_progress_ >= kRetransmitTimeout) {
        // A timeout: the window halves, everything unacknowledged again.
        ++timeouts_;
        window_ = std::max(1.0, window_ / 2);
        next_seq_ = acked_;
        last_progress_ = now;
      }
      while (static_cast<double>(next_seq_ - acked_) < std::floor(window_))
        out.push_back(data_packet(next_seq_++));
      return;
  }
}

base::Nanoseconds Flow::next_due() const noexcept {
  switch (spec_.kind) {
    case FlowKind::kUdp:
    case FlowKind::kPing:
      return next_send_ < stop_ ? next_send_ : base::kNever;
    case FlowKind::kTcp: {
      if (!started_) return start_ < stop_ ? start_ : base::kNever;
      const base::Nanoseconds due =
          next_seq_ > acked_ ? last_progress_ + kRetransmitTimeout : base::kNever;
      return due < stop_ ? due : base::kNever;
    }
  }
  return base::kNever;
}

std::optional<std::string> Flow::arrived(const Marker& marker, bool at_destination,
                                         base::Nanoseconds now, std::vector<HostPacket>& out) {
  const std::string name = "flow " + spec_.name + " packet " + std::to_string(marker.id);
  if (marker.kind == Marker::Kind::kAck) {
    if (at_destination) return name + ": an acknowledgement arrived at the receiver";
    if (marker.id >= acks_sent_) return name + ": an acknowledgement never sent was accepted";
    if (marker.seq > acked_ && marker.seq <= next_seq_) {
      const double newly = static_cast<double>(marker.seq - acked_);
      acked_ = marker.seq;
      window_ = std::min(kMaxWindow, window_ + newly / window_);
      last_progress_ = now;
      if (next_seq_ < acked_) next_seq_ = acked_;
      send_due(now, out);
    }
    return std::nullopt;
  }
  // Data and echo requests at the destination; echo replies at the source.
  if (spec_.kind != FlowKind::kPing && !at_destination)
    return name + ": data arrived back at its sender";
  if (marker.id >= sent_) return name + ": accepted, but never sent";
  if (spec_.kind == FlowKind::kPing && at_destination) {
    // The pinged host answers; the reply counts when it is back.
    const bool v4 = destination_.family == net::Family::kIpv4;
    out.push_back(
        {testing::icmp_packet(destination_, source_, v4 ? kEchoReply4 : kEchoReply6, 0,
                              static_cast<std::uint32_t>(index_ << 16 | (marker.id & 0xffff)),
                              marker.payload(Marker::kSize + 24))});
    return std::nullopt;
  }
  if (received_.size() <= marker.id) received_.resize(marker.id + 1 + received_.size() / 2);
  if (received_[marker.id]) {
    ++duplicates_;
    return name + ": delivered twice";
  }
  received_[marker.id] = true;
  ++delivered_;
  if (spec_.kind == FlowKind::kTcp) {
    if (marker.seq == expected_) ++expected_;
    out.push_back(ack_packet(expected_));
  }
  return std::nullopt;
}

}  // namespace strait::sim
