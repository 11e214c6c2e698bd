#pragma once
// One direction of an emulated WAN link. Frames received on one port are
// dropped (random loss, over the MTU, no room) or held, each with its
// departure time, in a bounded FIFO, and transmitted on the other port once
// due:
//
//   start     = max(arrival, transmitter free)          (rate limit only)
//   done      = start + frame bits / rate                (rate limit only)
//   departure = max(done + delay + jitter draw, previous departure)
//
// so frames leave in the order they came (jitter never reorders) and no
// faster than the rate. Held frames stay in their backend's frame pool: only
// the pointer is kept, nothing is copied, nothing is allocated per frame.
// Times are passed in (the emulator reads its injected clock); randomness is
// injected (base::SeededRandom in tests).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "io/packet.hpp"
#include "io/port.hpp"
#include "wan/link_profile.hpp"

namespace strait::wan {

class DelayLine {
 public:
  struct Counters {
    std::uint64_t forwarded = 0;  // frames handed to the output port
    std::uint64_t bytes = 0;      // their bytes
    std::uint64_t dropped_loss = 0;
    std::uint64_t dropped_mtu = 0;
    std::uint64_t dropped_queue_full = 0;  // all `capacity` places held
    std::uint64_t dropped_backlog = 0;     // would wait longer than max_backlog for the rate
  };

  // `capacity`: frames held at most (the bandwidth-delay product).
  DelayLine(const LinkProfile& profile, std::size_t capacity, base::Random& random);
  // Releases the frames still held.
  ~DelayLine();
  DelayLine(const DelayLine&) = delete;
  DelayLine& operator=(const DelayLine&) = delete;

  // Takes ownership of `frames`, all arrived at `arrival`: each one is
  // dropped (released to its pool, counted) or held.
  void accept(std::span<io::Packet* const> frames, base::Nanoseconds arrival) noexcept;
  // Transmits on `out`, in order, every held frame due at `now`; returns
  // how many.
  std::size_t transmit_due(io::Port& out, base::Nanoseconds now) noexcept;
  // When the oldest held frame is due; base::kNever when none is held.
  base::Nanoseconds next_departure() const noexcept;

  std::size_t held() const noexcept { return count_; }
  std::size_t capacity() const noexcept { return capacity_; }
  const LinkProfile& profile() const noexcept { return profile_; }
  const Counters& counters() const noexcept { return counters_; }

 private:
  struct Held {
    io::Packet* frame;
    base::Nanoseconds departure;
  };

  bool over_mtu(const io::Packet& frame) const noexcept;
  static void drop(io::Packet* frame, std::uint64_t& counter) noexcept;

  LinkProfile profile_;
  base::Random& random_;
  std::uint64_t loss_threshold_;  // drop when a 32-bit draw is below it
  std::unique_ptr<Held[]> ring_;
  std::size_t capacity_;
  std::size_t head_ = 0;  // oldest held frame
  std::size_t count_ = 0;
  base::Nanoseconds transmitter_free_ = 0;
  base::Nanoseconds last_departure_ = 0;
  Counters counters_;
};

}  // namespace strait::wan
