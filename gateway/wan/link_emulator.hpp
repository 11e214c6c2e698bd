#pragma once
// The emulated WAN link: a wire between two ports (a and b), transparent at
// layer 2 (every frame crosses, ARP included; nothing is routed), with one
// DelayLine per direction. Single-threaded; poll() does the work available
// now, next_departure() says when to poll again if no frame arrives.

#include <cstddef>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "io/port.hpp"
#include "wan/delay_line.hpp"
#include "wan/link_profile.hpp"

namespace strait::wan {

struct EmulatorOptions {
  LinkProfiles profiles;
  // Frames each direction holds at most: 8192 full-size frames are 110 ms
  // of about 900 Mbit/s (the pool of both directions then takes 64 MiB).
  std::size_t hold_capacity = 8192;
};

class LinkEmulator {
 public:
  LinkEmulator(io::Port& a, io::Port& b, const EmulatorOptions& options, const base::Clock& clock,
               base::Random& random);

  // Receives what waits on both ports (a bounded amount) into the delay
  // lines and transmits what is due; returns the frames received plus the
  // frames transmitted.
  std::size_t poll() noexcept;
  // The earliest departure of a held frame; base::kNever when none is held.
  base::Nanoseconds next_departure() const noexcept;

  const DelayLine& a_to_b() const noexcept { return a_to_b_; }
  const DelayLine& b_to_a() const noexcept { return b_to_a_; }
  // For DelayLine::set_down (a partition).
  DelayLine& a_to_b() noexcept { return a_to_b_; }
  DelayLine& b_to_a() noexcept { return b_to_a_; }
  io::Port& a() noexcept { return a_; }
  io::Port& b() noexcept { return b_; }

 private:
  std::size_t receive(io::Port& from, DelayLine& into, base::Nanoseconds now) noexcept;

  io::Port& a_;
  io::Port& b_;
  const base::Clock& clock_;
  DelayLine a_to_b_;
  DelayLine b_to_a_;
};

}  // namespace strait::wan
