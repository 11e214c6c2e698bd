#pragma once
// One direction of an emulated WAN link. Frames received on one port are
// dropped (random or bursty loss, over the MTU, no room, the link down) or
// held, each with its departure time, and transmitted on the other port
// once due:
//
//   start     = max(arrival, transmitter free)          (rate limit only)
//   done      = start + frame bits / rate                (rate limit only)
//   departure = max(done + delay + jitter draw, previous departure)
//             (+ reorder_delay for a frame drawn to be reordered)
//
// so frames leave in the order they came (jitter never reorders) and no
// faster than the rate; only a frame drawn for reordering leaves later,
// overtaken by those behind it. Held frames are kept in a binary heap
// ordered by (departure, arrival sequence), so frames due at the same time
// leave in the order they came; a duplicate is held right after its
// original. Held frames stay in their backend's frame pool: only the
// pointer is kept, nothing is copied (but a duplicate, into a frame of the
// same pool), nothing is allocated per frame. Times are passed in (the
// emulator reads its injected clock); randomness is injected
// (base::SeededRandom in tests and the simulator).

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
    std::uint64_t forwarded = 0;      // frames handed to the output port (duplicates included)
    std::uint64_t bytes = 0;          // their bytes
    std::uint64_t dropped_loss = 0;   // independent loss (the good state's)
    std::uint64_t dropped_burst = 0;  // lost in the bursty-loss chain's bad state
    std::uint64_t dropped_mtu = 0;
    std::uint64_t dropped_queue_full = 0;  // all `capacity` places held
    std::uint64_t dropped_backlog = 0;     // would wait longer than max_backlog for the rate
    std::uint64_t dropped_down = 0;        // arrived while down, or held when it went down
    std::uint64_t duplicated = 0;          // copies held (each one counted in forwarded too)
    std::uint64_t duplicates_skipped = 0;  // copies drawn but not made: no free pool frame,
                                           // or all `capacity` places held
    std::uint64_t corrupted = 0;           // frames with one byte flipped
    std::uint64_t reordered = 0;           // frames held reorder_delay longer
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
  // Transmits on `out`, in departure order, every held frame due at `now`;
  // returns how many.
  std::size_t transmit_due(io::Port& out, base::Nanoseconds now) noexcept;
  // When the first held frame to leave is due; base::kNever when none is
  // held.
  base::Nanoseconds next_departure() const noexcept;

  // A partition: going down drops the frames held (in flight) and, until
  // up again, every frame that arrives; both counted as dropped_down. No
  // random draw is taken for a frame dropped so.
  void set_down(bool down) noexcept;
  bool down() const noexcept { return down_; }

  std::size_t held() const noexcept { return count_; }
  std::size_t capacity() const noexcept { return capacity_; }
  const LinkProfile& profile() const noexcept { return profile_; }
  const Counters& counters() const noexcept { return counters_; }

 private:
  struct Held {
    io::Packet* frame;
    base::Nanoseconds departure;
    std::uint64_t sequence;  // arrival order: ties on departure leave in it
  };

  bool over_mtu(const io::Packet& frame) const noexcept;
  static void drop(io::Packet* frame, std::uint64_t& counter) noexcept;
  static bool before(const Held& a, const Held& b) noexcept {
    return a.departure != b.departure ? a.departure < b.departure : a.sequence < b.sequence;
  }
  void hold(io::Packet* frame, base::Nanoseconds departure) noexcept;
  Held take_first() noexcept;
  void duplicate(const io::Packet& frame, base::Nanoseconds departure) noexcept;

  LinkProfile profile_;
  base::Random& random_;
  // A probability as a threshold: the event happens when a 32-bit draw is
  // below it (0: never, and no draw; 2^32: always).
  std::uint64_t loss_threshold_;
  std::uint64_t burst_enter_threshold_;
  std::uint64_t burst_leave_threshold_;
  std::uint64_t burst_loss_threshold_;
  std::uint64_t reorder_threshold_;
  std::uint64_t duplicate_threshold_;
  std::uint64_t corrupt_threshold_;
  std::unique_ptr<Held[]> heap_;  // a binary min-heap by before()
  std::size_t capacity_;
  std::size_t count_ = 0;
  std::uint64_t next_sequence_ = 0;
  base::Nanoseconds transmitter_free_ = 0;
  base::Nanoseconds last_departure_ = 0;
  bool bad_ = false;  // the bursty-loss chain's state
  bool down_ = false;
  Counters counters_;
};

}  // namespace strait::wan
