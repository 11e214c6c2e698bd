#pragma once
// The invariants every simulation run checks, whatever its scenario
// (sim/README.md):
//
// * no plaintext of a private flow on a public link (a marker's magic in
//   any frame between gateways);
// * no (key, nonce) pair used twice: for every ESP frame a gateway sends,
//   the SA that sent it (found by SPI among the sending queue's outbound
//   SAs, identified by a hash of its key schedule and salt) and its IV,
//   which this gateway's senders raise with every packet: an IV not above
//   the last one of the same key is a reuse;
// * no packet delivered twice to a host, every delivered packet sent and
//   unaltered (the flows report these);
// * every SA gone by its lifetime (ages in gateway-state, at each sample);
// * after the last fault heals, every route of every queue has a working
//   SA within the scenario's bound (an outbound SA that the peer's queue
//   holds inbound: same SPI, same key and salt).

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/clock.hpp"

namespace strait::sim {

class SimGateway;

class Invariants {
 public:
  struct Violation {
    base::Nanoseconds at;  // since the start
    std::string what;
  };

  // A frame between two gateways' public interfaces, as it enters the link.
  void public_frame(const SimGateway& sender, std::size_t queue,
                    std::span<const std::uint8_t> frame, base::Nanoseconds at);
  // The SAs of `gateway` against their lifetime (`sa-ttl`).
  void sa_lifetimes(SimGateway& gateway, base::Nanoseconds at);
  // Every route of every queue has a working SA (key-exchange gateways).
  void converged(std::vector<std::unique_ptr<SimGateway>>& gateways, base::Nanoseconds at,
                 const std::string& when);
  void report(base::Nanoseconds at, std::string what);

  const std::vector<Violation>& violations() const noexcept { return violations_; }
  std::uint64_t count() const noexcept { return count_; }
  // Of them, routes found without a working SA by converged().
  std::uint64_t unconverged() const noexcept { return unconverged_; }
  std::uint64_t esp_frames() const noexcept { return esp_frames_; }
  std::size_t keys_seen() const noexcept { return last_iv_.size(); }

 private:
  static constexpr std::size_t kKept = 50;  // violations kept in detail
  std::vector<Violation> violations_;
  std::uint64_t count_ = 0;
  std::uint64_t unconverged_ = 0;
  std::uint64_t esp_frames_ = 0;
  std::map<std::uint64_t, std::uint64_t> last_iv_;  // key hash -> last IV
};

}  // namespace strait::sim
