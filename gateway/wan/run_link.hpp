#pragma once
// `strait wan`: the emulated WAN link on two kernel interfaces, until
// SIGTERM or SIGINT. Both ports come from one backend pair (backend/), over
// one frame pool so that a held frame is sent out of the other interface
// without a copy of its own; both receive every frame (both interfaces
// promiscuous, the XDP program in its pass-everything mode). The
// calling thread polls the emulator, sleeping in ppoll() on the ports and a
// signalfd until the next departure. Prints a start line, the counters
// every stats_interval and when it stops.

#include <cstdint>
#include <optional>
#include <string>

#include "backend/backend_kind.hpp"
#include "base/clock.hpp"
#include "base/result.hpp"
#include "wan/link_emulator.hpp"

namespace strait::wan {

struct LinkOptions {
  std::string if_a;
  std::string if_b;
  backend::BackendKind backend = backend::BackendKind::kAfPacket;
  std::string profile_name = "paris-tokyo";  // for the start line; emulator.profiles rule
  EmulatorOptions emulator;
  std::optional<std::uint64_t> seed;  // deterministic loss and jitter; nullopt: system randomness
  base::Nanoseconds stats_interval = 0;  // print the counters this often; 0: only at the end
};

// Runs until SIGTERM or SIGINT (blocked in the calling thread, taken
// through a signalfd): Ok after such a stop. An error says what kept the
// link from starting (an interface, the backend) or from running on.
base::Status run_link(const LinkOptions& options);

}  // namespace strait::wan
