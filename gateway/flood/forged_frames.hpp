#pragma once
// The frames of `strait flood`: forged key-exchange messages and forged ESP
// packets aimed at a gateway's public interface, each kind built once as a
// template and varied per frame only where the kind says (source address
// and port, SPI, sequence number), checksums kept valid so that the frames
// pass the kernel's and the gateway's cheap checks and reach the stage they
// attack:
//
//   ske-knock-strangers     knocks for the route SPI from random sources
//                           (addresses and ports): key-manager
//                           protocol-errors (not the route's gateway)
//   ske-proposal-strangers  proposal-shaped messages from random sources:
//                           protocol-errors
//   ske-knock-peer          knocks from the real peer's address and port:
//                           they pass the cheap checks, so each takes a
//                           token of the 100 per second (challenges-offered
//                           or version-errors) or is dropped (rxerrors)
//   ske-proposal-peer       proposals with random keys from the peer:
//                           authentication-errors when a responder is
//                           waiting (and a token is left), rxerrors past
//                           the bound, protocol-errors out of state
//   esp-random-spi          ESP with random SPIs (never one listed in
//                           Target::exclude_spis): public-router
//                           route-errors
//   esp-bad-icv             ESP for the live SPI, sequence numbers from
//                           Target::sequence upwards, random ICVs: the SA's
//                           decrypt-errors
//   esp-replay              ESP for the live SPI with old sequence numbers
//                           (1 to 1024, again and again): decrypt-errors
//
// Whatever the gateway does with each, it must count it: that is what the
// flood lab test checks. Not a data path: frames are written into buffers
// the sender owns.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "net/address.hpp"

namespace strait::flood {

enum class Kind : std::uint8_t {
  kSkeKnockStrangers,
  kSkeProposalStrangers,
  kSkeKnockPeer,
  kSkeProposalPeer,
  kEspRandomSpi,
  kEspBadIcv,
  kEspReplay,
};
inline constexpr Kind kAllKinds[] = {Kind::kSkeKnockStrangers, Kind::kSkeProposalStrangers,
                                     Kind::kSkeKnockPeer,      Kind::kSkeProposalPeer,
                                     Kind::kEspRandomSpi,      Kind::kEspBadIcv,
                                     Kind::kEspReplay};

std::string_view kind_name(Kind kind);
std::optional<Kind> parse_kind(std::string_view name);
bool is_key_exchange(Kind kind);

// Whom the frames are for and whom they pretend to come from.
struct Target {
  net::Mac destination_mac;  // the gateway's public interface
  net::Mac source_mac;       // the interface the frames leave from
  net::Address gateway;      // the gateway's public address (destination)
  net::Address peer;         // the real peer's address (forged source)
  std::uint16_t protocol_port = 303;
  std::uint32_t route_spi = 0;              // of a configured route (ske-*)
  std::uint32_t spi = 0;                    // the live inbound SPI (esp-bad-icv, esp-replay)
  std::vector<std::uint32_t> exclude_spis;  // never drawn by esp-random-spi
  std::uint64_t sequence = 1;               // esp-bad-icv's first sequence number
  std::size_t esp_body = 64;                // ESP bytes after SPI and sequence (IV, data, ICV)
};

// Checks a Target (families agree, SPIs given where a kind needs them,
// esp_body within bounds); the message names what is wrong.
std::optional<std::string_view> check_target(const Target& target, std::span<const Kind> kinds);

// The largest frame any kind writes.
inline constexpr std::size_t kMaxFrameSize = 14 + 40 + 8 + 1024;
// Random bytes one frame may use.
inline constexpr std::size_t kRandomPerFrame = 32;

class ForgedFrames {
 public:
  // Builds the template of `kind` (the Target must pass check_target).
  ForgedFrames(const Target& target, Kind kind);

  Kind kind() const noexcept { return kind_; }
  // Writes frame number `index` of this kind into `out` (kMaxFrameSize
  // bytes), varied with `random` (kRandomPerFrame bytes); returns its
  // length.
  std::size_t write(std::uint8_t* out, std::uint64_t index,
                    std::span<const std::uint8_t, kRandomPerFrame> random) const noexcept;

 private:
  void fix_checksums(std::uint8_t* frame) const noexcept;

  Kind kind_;
  bool ipv6_;
  std::vector<std::uint8_t> template_;
  std::size_t ip_offset_ = 14;
  std::size_t l4_offset_ = 0;  // UDP header or ESP header
  std::uint32_t spi_ = 0;
  std::uint64_t sequence_ = 1;
  std::vector<std::uint32_t> exclude_spis_;
  net::Address peer_;
  net::Address gateway_;
};

}  // namespace strait::flood
