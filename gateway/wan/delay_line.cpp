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
// 32-bit draws a frame takes at most beyond the loss and jitter draws: the
// bursty-loss chain's move and its bad-state loss, reordering, duplication,
// corruption (whether, where, with what).
constexpr std::size_t kMaxExtraDraws = 7;

std::uint64_t threshold(double probability) {
  return static_cast<std::uint64_t>(std::llround(std::clamp(probability, 0.0, 1.0) * 4294967296.0));
}

// [0, bound) from a uniform 32-bit draw.
std::uint32_t scale(std::uint32_t draw, std::uint64_t bound) {
  return static_cast<std::uint32_t>((std::uint64_t{draw} * bound) >> 32);
}

}  // namespace

DelayLine::DelayLine(const LinkProfile& profile, std::size_t capacity, base::Random& random)
    : profile_(profile),
      random_(random),
      loss_threshold_(threshold(profile.loss)),
      burst_enter_threshold_(threshold(profile.burst_enter)),
      burst_leave_threshold_(threshold(profile.burst_leave)),
      burst_loss_threshold_(threshold(profile.burst_loss)),
      reorder_threshold_(profile.reorder_delay > 0 ? threshold(profile.reorder) : 0),
      duplicate_threshold_(threshold(profile.duplicate)),
      corrupt_threshold_(threshold(profile.corrupt)),
      heap_(new Held[std::max<std::size_t>(capacity, 1)]),
      capacity_(std::max<std::size_t>(capacity, 1)) {}

DelayLine::~DelayLine() {
  for (std::size_t i = 0; i < count_; ++i)
    heap_[i].frame->pool->release(heap_[i].frame);
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

void DelayLine::hold(io::Packet* frame, base::Nanoseconds departure) noexcept {
  const Held held{frame, departure, next_sequence_++};
  // Sift up. Without reordering departures never decrease, so a new frame
  // is the last to leave and stays at the bottom after one comparison.
  std::size_t i = count_++;
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(held, heap_[parent])) break;
    heap_[i] = heap_[parent];
    i = parent;
  }
  heap_[i] = held;
}

DelayLine::Held DelayLine::take_first() noexcept {
  const Held first = heap_[0];
  const Held last = heap_[--count_];
  // Sift the last one down from the top.
  std::size_t i = 0;
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= count_) break;
    if (child + 1 < count_ && before(heap_[child + 1], heap_[child])) ++child;
    if (!before(heap_[child], last)) break;
    heap_[i] = heap_[child];
    i = child;
  }
  if (count_ > 0) heap_[i] = last;
  return first;
}

void DelayLine::duplicate(const io::Packet& frame, base::Nanoseconds departure) noexcept {
  if (count_ == capacity_) {
    ++counters_.duplicates_skipped;
    return;
  }
  io::Packet* copy = frame.pool->allocate();
  if (copy == nullptr) {
    ++counters_.duplicates_skipped;
    return;
  }
  if (copy->tailroom() < frame.length) {  // only if the original had less headroom
    drop(copy, counters_.duplicates_skipped);
    return;
  }
  std::memcpy(copy->data, frame.data, frame.length);
  copy->length = frame.length;
  hold(copy, departure);
  ++counters_.duplicated;
}

void DelayLine::set_down(bool down) noexcept {
  if (down && !down_) {
    for (std::size_t i = 0; i < count_; ++i)
      drop(heap_[i].frame, counters_.dropped_down);
    count_ = 0;
    // The transmitter's queue and the departures to keep behind went with
    // the frames.
    transmitter_free_ = 0;
    last_departure_ = 0;
  }
  down_ = down;
}

void DelayLine::accept(std::span<io::Packet* const> frames, base::Nanoseconds arrival) noexcept {
  const bool draws = loss_threshold_ > 0 || profile_.jitter > 0;
  for (io::Packet* p : frames) {
    if (down_) {
      drop(p, counters_.dropped_down);
      continue;
    }
    std::uint32_t loss_draw = 0;
    std::uint32_t jitter_draw = 0;
    if (draws) {
      std::uint8_t bytes[8];
      random_.fill(bytes);
      std::memcpy(&loss_draw, bytes, 4);
      std::memcpy(&jitter_draw, bytes + 4, 4);
    }
    // The other impairments' draws, in one call after those two, only for
    // those set: with none set, the draws are exactly the loss and jitter
    // ones.
    const bool burst = burst_enter_threshold_ > 0;
    const bool burst_loss = burst && bad_ && burst_loss_threshold_ > 0;
    const std::size_t extra =
        std::size_t{burst} + std::size_t{burst_loss} + std::size_t{reorder_threshold_ > 0} +
        std::size_t{duplicate_threshold_ > 0} + (corrupt_threshold_ > 0 ? 3 : 0);
    std::uint32_t extra_draws[kMaxExtraDraws] = {};
    if (extra > 0) {
      std::uint8_t bytes[4 * kMaxExtraDraws];
      random_.fill(std::span<std::uint8_t>(bytes, 4 * extra));
      std::memcpy(extra_draws, bytes, 4 * extra);
    }
    const std::uint32_t* next_draw = extra_draws;
    const std::uint32_t move_draw = burst ? *next_draw++ : 0;
    const std::uint32_t burst_loss_draw = burst_loss ? *next_draw++ : 0;
    const bool reorder = reorder_threshold_ > 0 && *next_draw++ < reorder_threshold_;
    const bool copy = duplicate_threshold_ > 0 && *next_draw++ < duplicate_threshold_;
    bool corrupt = false;
    std::uint32_t corrupt_position_draw = 0;
    std::uint32_t corrupt_value_draw = 0;
    if (corrupt_threshold_ > 0) {
      corrupt = *next_draw++ < corrupt_threshold_;
      corrupt_position_draw = *next_draw++;
      corrupt_value_draw = *next_draw++;
    }

    // The frame's fate in the chain's current state, then the chain moves.
    const bool was_bad = bad_;
    if (burst)
      bad_ = bad_ ? move_draw >= burst_leave_threshold_ : move_draw < burst_enter_threshold_;
    if (was_bad) {
      if (burst_loss_draw < burst_loss_threshold_) {
        drop(p, counters_.dropped_burst);
        continue;
      }
    } else if (loss_draw < loss_threshold_) {
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
    // The frames behind keep their order with this one's departure as it
    // would have been: a reordered frame changes no other's.
    last_departure_ = departure;
    if (reorder) {
      departure += profile_.reorder_delay;
      ++counters_.reordered;
    }
    if (corrupt && p->length > kEthernetHeader) {
      const std::size_t position =
          kEthernetHeader + scale(corrupt_position_draw, p->length - kEthernetHeader);
      p->data[position] ^= static_cast<std::uint8_t>(1 + scale(corrupt_value_draw, 255));
      ++counters_.corrupted;
    }
    hold(p, departure);
    if (copy) duplicate(*p, departure);
  }
}

std::size_t DelayLine::transmit_due(io::Port& out, base::Nanoseconds now) noexcept {
  std::size_t total = 0;
  io::Packet* batch[kTransmitBurst];
  for (;;) {
    std::size_t n = 0;
    while (n < kTransmitBurst && count_ > 0 && heap_[0].departure <= now) {
      io::Packet* p = take_first().frame;
      batch[n++] = p;
      counters_.bytes += p->length;
    }
    if (n == 0) break;
    counters_.forwarded += n;
    out.transmit(std::span<io::Packet* const>(batch, n));
    total += n;
  }
  return total;
}

base::Nanoseconds DelayLine::next_departure() const noexcept {
  return count_ == 0 ? base::kNever : heap_[0].departure;
}

}  // namespace strait::wan
