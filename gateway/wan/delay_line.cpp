#include "wan/delay_line.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/frame_pool.hpp"

namespace strait::wan {

namespace {

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::size_t kTransmitBurst = 64;

}  // namespace

DelayLine::DelayLine(const LinkProfile& profile, std::size_t capacity, base::Random& random)
    : profile_(profile),
      random_(random),
      loss_threshold_(static_cast<std::uint64_t>(
          std::llround(std::clamp(profile.loss, 0.0, 1.0) * 4294967296.0))),
      ring_(new Held[std::max<std::size_t>(capacity, 1)]),
      capacity_(std::max<std::size_t>(capacity, 1)) {}

DelayLine::~DelayLine() {
  for (; count_ > 0; --count_) {
    io::Packet* p = ring_[head_].frame;
    p->pool->release(p);
    head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
  }
}

bool DelayLine::over_mtu(const io::Packet& frame) const noexcept {
  if (profile_.mtu == 0) return false;
  std::size_t header = kEthernetHeader;
  // 802.1Q / 802.1ad tags (up to two) are not part of the IP packet.
  while (frame.length >= header + kVlanTag) {
    const unsigned type =
        static_cast<unsigned>(frame.data[header - 2] << 8 | frame.data[header - 1]);
    if (type != 0x8100 && type != 0x88a8) break;
    header += kVlanTag;
  }
  return frame.length > header && frame.length - header > profile_.mtu;
}

void DelayLine::drop(io::Packet* frame, std::uint64_t& counter) noexcept {
  ++counter;
  frame->pool->release(frame);
}

void DelayLine::accept(std::span<io::Packet* const> frames, base::Nanoseconds arrival) noexcept {
  const bool draws = loss_threshold_ > 0 || profile_.jitter > 0;
  for (io::Packet* p : frames) {
    std::uint32_t loss_draw = 0;
    std::uint32_t jitter_draw = 0;
    if (draws) {
      std::uint8_t bytes[8];
      random_.fill(bytes);
      std::memcpy(&loss_draw, bytes, 4);
      std::memcpy(&jitter_draw, bytes + 4, 4);
    }
    if (loss_draw < loss_threshold_) {
      drop(p, counters_.dropped_loss);
      continue;
    }
    if (over_mtu(*p)) {
      drop(p, counters_.dropped_mtu);
      continue;
    }
    if (count_ == capacity_) {
      drop(p, counters_.dropped_queue_full);
      continue;
    }
    base::Nanoseconds done = arrival;
    if (profile_.rate != 0) {
      const base::Nanoseconds start = std::max(arrival, transmitter_free_);
      if (start - arrival > profile_.max_backlog) {
        drop(p, counters_.dropped_backlog);
        continue;
      }
      // Rounded up: never faster than the rate.
      // Frames are at most a pool frame long: no overflow.
      const std::uint64_t bits_ns = std::uint64_t{p->length} * 8 * base::kSecond;
      const base::Nanoseconds serialization = (bits_ns + profile_.rate - 1) / profile_.rate;
      transmitter_free_ = start + serialization;
      done = transmitter_free_;
    }
    base::Nanoseconds departure = done + profile_.delay;
    if (profile_.jitter > 0) {
      // A uniform draw in [0, 2 * jitter], then centred on the delay.
      const std::uint64_t span = 2 * profile_.jitter + 1;
      const std::uint64_t offset = (static_cast<std::uint64_t>(jitter_draw) * span) >> 32;
      departure = departure + offset >= done + profile_.jitter
                      ? departure + offset - profile_.jitter
                      : done;
    }
    departure = std::max(departure, last_departure_);
    last_departure_ = departure;
    std::size_t tail = head_ + count_;
    if (tail >= capacity_) tail -= capacity_;
    ring_[tail] = Held{p, departure};
    ++count_;
  }
}

std::size_t DelayLine::transmit_due(io::Port& out, base::Nanoseconds now) noexcept {
  std::size_t total = 0;
  io::Packet* batch[kTransmitBurst];
  for (;;) {
    std::size_t n = 0;
    while (n < kTransmitBurst && count_ > 0 && ring_[head_].departure <= now) {
      io::Packet* p = ring_[head_].frame;
      batch[n++] = p;
      counters_.bytes += p->length;
      head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
      --count_;
    }
    if (n == 0) break;
    counters_.forwarded += n;
    out.transmit(std::span<io::Packet* const>(batch, n));
    total += n;
  }
  return total;
}

base::Nanoseconds DelayLine::next_departure() const noexcept {
  return count_ == 0 ? base::kNever : ring_[head_].departure;
}

}  // namespace strait::wan
