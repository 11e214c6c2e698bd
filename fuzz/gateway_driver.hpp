#pragma once
// A gateway for the fuzz targets that send it frames (FuzzGateway: the
// worker and key manager `strait run` builds, on in-memory wires, stepped
// on a ManualClock), and the frames they build from a record (records.hpp).
// The targets keep a driver for a run of inputs (persistent.hpp).
//
// The gateways (the input's first byte, modulo kVariants): paris of
// testing/sample_sites.hpp talking to tokyo, in one of
//   0 IPv4, static SAs (data-plane), static next hops
//   1 IPv6, static SAs, static next hops
//   2 IPv4, key exchange, public next hop resolved by ARP
//   3 IPv6, key exchange, public next hop resolved by ND
//   4 IPv4, static SAs, TFC padding, private next hop resolved by ARP
//   5 IPv6, static SAs, TFC padding, private next hop resolved by ND

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "config/gateway_config.hpp"
#include "fuzz_gateway.hpp"
#include "records.hpp"
#include "testing/sample_sites.hpp"

namespace strait::fuzz {

inline constexpr std::size_t kVariants = 6;

struct Variant {
  testing::Site self;  // paris: the gateway under test
  testing::Site peer;  // tokyo
  testing::SiteOptions options;
  config::GatewayConfig config;
  bool static_sas = false;
  bool static_private_nexthop = false;
};
const Variant& variant(std::uint8_t selector);

// Frames of a frame record: `op & kKindMask` is the kind.
enum Kind : std::uint8_t {
  kRaw = 0,    // payload: the Ethernet frame as is
  kIp = 1,     // payload: an IP packet, in Ethernet from the side's next hop;
               // checksums made valid (kKeep: as given), kFix: lengths too
  kEsp = 2,    // public: ESP under the gateway's inbound SA (public side):
               // payload: next header (1), sequence (8), inner packet
               // (checksums made valid unless kKeep); kFix: payload is
               // sequence (8) then the plaintext, trailer included;
               // kCorrupt: one ICV bit flipped
  kUdp = 3,    // public: a key-exchange datagram (payload: the UDP payload)
               // from the peer; private: UDP from a host to a peer host
  kIcmp = 4,   // payload: type, code, rest (4), body; hop limit 255;
               // public: peer -> gateway; private: host -> gateway
               // (kFix: to the solicited-node group of the gateway's
               // address, IPv6; to the peer's host, IPv4)
  kArp = 5,    // payload: the ARP message after the Ethernet header
               // (kFix: to the gateway's MAC, else broadcast)
  kClock = 6,  // advance the clock by payload[0:2] ms * (1 + payload[2]),
               // then run the due timers
};
inline constexpr std::uint8_t kKindMask = 0x0f;
inline constexpr std::uint8_t kHold = 0x10;     // no poll after this frame (a batch)
inline constexpr std::uint8_t kFix = 0x20;      // kind-specific, above
inline constexpr std::uint8_t kKeep = 0x40;     // leave checksums as given
inline constexpr std::uint8_t kCorrupt = 0x80;  // kind-specific, above

enum class Side : std::uint8_t { kPrivate, kPublic };

// IPv4 header, UDP, ICMP and ICMPv6 checksums of an IP packet made valid
// (where the headers are complete); with fix_lengths, the IP and UDP
// lengths first set to what the packet holds.
void fix_checksums(Bytes& packet, bool fix_lengths);

class GatewayDriver {
 public:
  explicit GatewayDriver(std::uint8_t selector);
  ~GatewayDriver();

  const Variant& variant() const { return variant_; }
  FuzzGateway& gateway() { return gateway_; }

  // The frame a record stands for (empty for kClock and for what cannot
  // be built).
  Bytes frame(Side side, const Record& record);
  // Sends a record's frame (or moves the clock); polls until quiet unless
  // kHold. Returns false if nothing was sent.
  bool apply(Side side, const Record& record);
  // Polls until quiet, then advances the clock by `by` and runs the timers.
  void settle(base::Nanoseconds by);

  // What the gateway transmitted since the last take, by side.
  std::vector<Bytes> take(Side side);

 private:
  const Variant& variant_;
  FuzzGateway gateway_;
};

// Properties every transmitted frame has: an IPv4 header checksum that
// verifies, a length within the pool's frames.
void check_transmitted(const std::vector<Bytes>& frames, std::string_view side);

// The gateway kept for an input (persistent.hpp; `data[0]` selects the
// variant, size > 0), with nothing left untaken from earlier inputs.
GatewayDriver& driver_for_input(const std::uint8_t* data, std::size_t size);

}  // namespace strait::fuzz
