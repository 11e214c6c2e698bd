#include "wan/link_emulator.hpp"

#include <algorithm>

namespace strait::wan {

namespace {

constexpr std::size_t kReceiveBurst = 64;
// Bursts per port and poll: bounds the time between two transmissions.
constexpr std::size_t kBurstsPerPoll = 8;

}  // namespace

LinkEmulator::LinkEmulator(io::Port& a, io::Port& b, const EmulatorOptions& options,
                           const base::Clock& clock, base::Random& random)
    : a_(a),
      b_(b),
      clock_(clock),
      a_to_b_(options.profiles.a_to_b, options.hold_capacity, random),
      b_to_a_(options.profiles.b_to_a, options.hold_capacity, random) {}

std::size_t LinkEmulator::receive(io::Port& from, DelayLine& into, base::Nanoseconds now) noexcept {
  std::size_t total = 0;
  io::Packet* burst[kReceiveBurst];
  for (std::size_t i = 0; i < kBurstsPerPoll; ++i) {
    const std::size_t n = from.receive(burst);
    if (n == 0) break;
    into.accept(std::span<io::Packet* const>(burst, n), now);
    total += n;
    if (n < kReceiveBurst) break;
  }
  return total;
}

std::size_t LinkEmulator::poll() noexcept {
  base::Nanoseconds now = clock_.now();
  std::size_t work = receive(a_, a_to_b_, now);
  work += receive(b_, b_to_a_, now);
  now = clock_.now();
  work += a_to_b_.transmit_due(b_, now);
  work += b_to_a_.transmit_due(a_, now);
  return work;
}

base::Nanoseconds LinkEmulator::next_departure() const noexcept {
  return std::min(a_to_b_.next_departure(), b_to_a_.next_departure());
}

}  // namespace strait::wan
