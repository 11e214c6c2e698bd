#include "wan/run_link.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <vector>

#include "backend/backend.hpp"
#include "base/blocked_signals.hpp"
#include "base/random.hpp"

namespace strait::wan {

namespace {

constexpr std::uint32_t kRingSize = 1024;  // per port and ring

// The two ports of the link: every frame received (promiscuous), frames of 2048 bytes (a
// 1500-byte MTU frame fits with either backend; AF_XDP's aligned mode
// accepts 2048-byte chunks), a pool for every frame held in both
// directions, every ring of both ports full (AF_XDP: fill and TX) and
// bursts in flight.
backend::PortPairSpec link_pair_spec(const LinkOptions& options) {
  backend::PortPairSpec spec;
  spec.first.role = "A";
  spec.first.ifname = options.if_a;
  spec.second.role = "B";
  spec.second.ifname = options.if_b;
  spec.first.promiscuous = spec.second.promiscuous = true;  // an L2 wire: every frame
  spec.frame_size = 2048;
  spec.ring_size = kRingSize;
  spec.frame_count =
      std::bit_ceil(2 * options.emulator.hold_capacity + 4 * std::size_t{kRingSize} + 1024);
  return spec;
}

std::string direction_counters(const DelayLine& line, const io::Port& from, const io::Port& to) {
  const auto& c = line.counters();
  char text[320];
  std::snprintf(text, sizeof text,
                "forwarded %llu (%llu bytes), dropped: loss %llu, mtu %llu, queue-full %llu, "
                "backlog %llu, receive %llu, transmit %llu; held %zu",
                static_cast<unsigned long long>(c.forwarded),
                static_cast<unsigned long long>(c.bytes),
                static_cast<unsigned long long>(c.dropped_loss),
                static_cast<unsigned long long>(c.dropped_mtu),
                static_cast<unsigned long long>(c.dropped_queue_full),
                static_cast<unsigned long long>(c.dropped_backlog),
                static_cast<unsigned long long>(from.counters().rxdrop),
                static_cast<unsigned long long>(to.counters().txdrop), line.held());
  std::string line_text = text;
  // The newer impairments' counters when their settings are on (or they
  // counted something): the line stays as it was otherwise.
  const LinkProfile& p = line.profile();
  const char* separator = "; ";
  const auto add = [&](bool shown, const char* name, std::uint64_t value) {
    if (!shown && value == 0) return;
    line_text += separator;
    separator = ", ";
    line_text += name;
    line_text += ' ';
    line_text += std::to_string(value);
  };
  add(p.burst_enter > 0, "burst-dropped", c.dropped_burst);
  add(false, "down-dropped", c.dropped_down);
  add(p.reorder > 0 && p.reorder_delay > 0, "reordered", c.reordered);
  add(p.duplicate > 0, "duplicated", c.duplicated);
  add(p.duplicate > 0, "duplicates-skipped", c.duplicates_skipped);
  add(p.corrupt > 0, "corrupted", c.corrupted);
  return line_text;
}

void print_counters(const char* label, LinkEmulator& emulator, const LinkOptions& options) {
  const char* a = options.if_a.c_str();
  const char* b = options.if_b.c_str();
  std::printf("strait wan: %s %s->%s: %s\n", label, a, b,
              direction_counters(emulator.a_to_b(), emulator.a(), emulator.b()).c_str());
  std::printf("strait wan: %s %s->%s: %s\n", label, b, a,
              direction_counters(emulator.b_to_a(), emulator.b(), emulator.a()).c_str());
  std::fflush(stdout);
}

void print_start(const LinkOptions& options, const backend::PortPair& ports) {
  const auto& profiles = options.emulator.profiles;
  std::string summary;
  if (profiles.a_to_b == profiles.b_to_a) {
    summary = "both ways: " + describe(profiles.a_to_b);
  } else {
    summary = options.if_a + "->" + options.if_b + ": " + describe(profiles.a_to_b) + "; " +
              options.if_b + "->" + options.if_a + ": " + describe(profiles.b_to_a);
  }
  std::printf("strait wan: %s <-> %s over %s, profile %s, %s; hold %zu frames per direction\n",
              options.if_a.c_str(), options.if_b.c_str(), ports.description().c_str(),
              options.profile_name.c_str(), summary.c_str(), options.emulator.hold_capacity);
  std::fflush(stdout);
}

}  // namespace

base::Status run_link(const LinkOptions& options) {
  if (options.if_a == options.if_b)
    return base::Error{"the two interfaces must differ (both are " + options.if_a + ")"};
  // Signals first: nothing may kill the emulator between two of its checks.
  const base::BlockedSignals signals({SIGTERM, SIGINT});
  if (signals.fd() < 0)
    return base::Error{std::string("cannot set up signal handling: ") + std::strerror(errno)};
  auto backend = backend::make_backend(options.backend);
  if (!backend) return backend.error();
  auto ports = (*backend)->open_pair(link_pair_spec(options));
  if (!ports) return ports.error();
  // Wake up on time for departures: the default 50 us slack is most of a
  // LAN's delay.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);

  base::SystemClock clock;
  std::unique_ptr<base::Random> random;
  if (options.seed)
    random = std::make_unique<base::SeededRandom>(*options.seed);
  else
    random = std::make_unique<base::SystemRandom>();
  LinkEmulator emulator((*ports)->first(), (*ports)->second(), options.emulator, clock, *random);
  print_start(options, **ports);

  std::vector<pollfd> fds;
  for (int fd : (*ports)->wait_fds())
    fds.push_back(pollfd{fd, POLLIN, 0});
  fds.push_back(pollfd{signals.fd(), POLLIN, 0});
  const base::Nanoseconds stats_interval = options.stats_interval;
  base::Nanoseconds next_stats = stats_interval ? clock.now() + stats_interval : base::kNever;
  int stop = 0;
  int poll_error = 0;
  while (stop == 0) {
    // Work while there is some, a bounded number of rounds between two
    // looks at the signals.
    bool busy = false;
    for (int round = 0; round < 64; ++round) {
      busy = emulator.poll() > 0;
      if (!busy) break;
    }
    const base::Nanoseconds now = clock.now();
    if (now >= next_stats) {
      print_counters("stats", emulator, options);
      next_stats = now + stats_interval;
    }
    base::Nanoseconds wake = std::min(emulator.next_departure(), next_stats);
    timespec timeout{};
    timespec* timeout_pointer = nullptr;
    if (busy || wake <= now) {
      timeout_pointer = &timeout;  // only a look at the descriptors
    } else if (wake != base::kNever) {
      const base::Nanoseconds wait = wake - now;
      timeout.tv_sec = static_cast<time_t>(wait / base::kSecond);
      timeout.tv_nsec = static_cast<long>(wait % base::kSecond);
      timeout_pointer = &timeout;
    }
    const int ready = ppoll(fds.data(), fds.size(), timeout_pointer, nullptr);
    if (ready < 0 && errno != EINTR) {
      poll_error = errno;
      break;
    }
    if (ready > 0 && (fds.back().revents & POLLIN)) stop = signals.take();
  }
  if (stop != 0) std::printf("strait wan: %s, stopping\n", stop == SIGTERM ? "SIGTERM" : "SIGINT");
  print_counters("final", emulator, options);
  if (poll_error != 0) return base::Error{std::string("poll: ") + std::strerror(poll_error)};
  return base::Ok{};
}

}  // namespace strait::wan
