#pragma once
// The simulator's internet: the routers that are the gateways' public next
// hops (they answer ARP and neighbor solicitations, as strait replay's
// simulated next hops do) and the links between regions. A frame a
// gateway sends to its next hop is routed by its destination address to
// the public interface that owns it, copied into the internet's own frame
// pool (so a gateway that restarts takes none of the frames in flight with
// it), readdressed (the destination's MAC, its next hop's as the source)
// and put on the link from its region to the destination's: one
// wan::DelayLine per direction, the same model `strait wan` runs. Regions
// without a declared link are joined by a perfect one.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/random.hpp"
#include "io/frame_pool.hpp"
#include "io/memory_wire.hpp"
#include "io/port.hpp"
#include "net/address.hpp"
#include "replay/simulated_neighbor.hpp"
#include "sim/nat.hpp"
#include "sim/scenario.hpp"
#include "wan/delay_line.hpp"

namespace strait::sim {

class SimGateway;

class Internet {
 public:
  // A public interface of a gateway.
  struct Attachment {
    std::size_t region;
    std::size_t queue;
    net::Address ip;
    net::Mac mac;
    replay::SimulatedNeighbor router;  // its next hop
  };
  // Every frame put on a link: from region, to region, the frame (as it
  // crosses, readdressed) and the queue of the sending gateway.
  using Tap = std::function<void(std::size_t from, std::size_t to, std::size_t queue,
                                 std::span<const std::uint8_t> frame)>;
  struct Counters {
    std::uint64_t routed = 0;    // frames put on a link
    std::uint64_t no_route = 0;  // for an address no gateway owns
    std::uint64_t answered = 0;  // ARP / ND answers
    std::uint64_t no_frame = 0;  // the internet's pool was empty
    std::uint64_t ignored = 0;   // neither IP nor a question for a router
  };

  Internet(std::vector<std::unique_ptr<SimGateway>>& gateways, const std::vector<LinkSpec>& links,
           std::uint64_t seed);
  ~Internet();

  // The gateways' public interfaces, again (after a restart or a change).
  void attach();

  // Takes what gateway `region` sent on queue `queue`'s public interface.
  void from_gateway(std::size_t region, std::size_t queue, io::Packet* frame,
                    base::Nanoseconds now);
  // Frames whose time has come leave their links; returns how many.
  std::size_t deliver_due(base::Nanoseconds now);
  base::Nanoseconds next_departure() const noexcept;

  void set_link_down(std::size_t a, std::size_t b, bool down);
  // A port-translating NAT in front of `region` (sim/nat.hpp); its mappings
  // forgotten.
  void set_nat(std::size_t region, const net::Address& outside);
  void rebind_nat(std::size_t region);
  const Nat* nat(std::size_t region) const { return nats_.at(region).get(); }
  void set_tap(Tap tap) { tap_ = std::move(tap); }

  const Counters& counters() const noexcept { return counters_; }
  // Frames the link from region a to region b dropped, all causes.
  std::uint64_t dropped(std::size_t a, std::size_t b) const;
  std::string link_name(std::size_t a, std::size_t b) const;

 private:
  class LinkExit;
  struct Direction {
    std::size_t from, to;
    std::unique_ptr<base::SeededRandom> random;
    std::unique_ptr<wan::DelayLine> line;
    std::unique_ptr<LinkExit> exit;
  };
  Direction& direction(std::size_t from, std::size_t to) {
    return directions_[from * regions_ + to];
  }
  const Direction& direction(std::size_t from, std::size_t to) const {
    return directions_[from * regions_ + to];
  }
  const Attachment* owner(const std::uint8_t* address, std::size_t length) const noexcept;
  // Copies `bytes` into a frame of the internet's pool (nullptr: none free).
  io::Packet* copy(std::span<const std::uint8_t> bytes);

  std::vector<std::unique_ptr<SimGateway>>& gateways_;
  std::size_t regions_;
  std::unique_ptr<io::FramePool> pool_;
  std::vector<Attachment> attachments_;
  std::vector<Direction> directions_;       // from * regions + to (from != to)
  std::vector<std::unique_ptr<Nat>> nats_;  // by region; null: none
  Tap tap_;
  Counters counters_;
};

}  // namespace strait::sim
