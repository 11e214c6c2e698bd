#pragma once
// What `strait replay` is asked to do (conformance/FORMAT.md states the
// contract: time, queues, outputs).

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.hpp"

namespace strait::replay {

struct ReplayOptions {
  std::string config_path;
  std::string private_in;  // empty: no input on the private side
  std::string public_in;   // empty: no input on the public side
  std::string out_dir;     // private-out.pcap, public-out.pcap, gateway-state(.json)
  std::uint64_t seed = 1;  // the gateway's randomness (per queue: seed and queue id)
  // ESP the gateway sends on its public side comes back to it, Ethernet
  // addresses swapped.
  bool loopback_esp = false;
  // The next hops answer the gateway's ARP requests and neighbor
  // solicitations for them.
  bool answer_neighbors = false;
  std::uint64_t initial_seq = 1;  // first sequence number of static outbound SAs
  // Run to the start time plus this; nullopt: until the inputs end.
  std::optional<base::Nanoseconds> until;
};

}  // namespace strait::replay
