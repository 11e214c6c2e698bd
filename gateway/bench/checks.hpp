#pragma once
// What the benchmark checks on the wire between the gateway's ends, and the
// faults its tests inject there.
//
// EspCheck sees every ESP packet the gateway sends on the looped-back
// public port, in order, and checks it against the plan: frame length,
// outer Ethernet and IP headers byte for byte, and that it left under its
// own route's SA: with static SAs the SPI of the route's pair and the next
// sequence number of that SA (in the header and the IV); with negotiated
// ones the SPI of the route's current (or previous) outbound SA (and the
// key exchange's datagrams, which share the wire, are let by). A packet
// sent under another route's SA would still be decrypted (under that SA's
// inbound half) and delivered intact, so only this check catches it.

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/bench_port.hpp"
#include "bench/plan.hpp"
#include "tunnel/sa_database.hpp"

namespace strait::bench {

class EspCheck final : public Inspector {
 public:
  EspCheck(const Addresses& addresses, const TrafficPlan& plan);
  // Negotiated SAs: the SPI is checked against the route's outbound SA in
  // `sas` (the worker's). Without, the static pairs (SPI 256 + route).
  void use_negotiated_sas(const tunnel::SaDatabase* sas);
  // Test hook: flip a ciphertext byte of packet `serial` (the gateway's
  // decryption then rejects it: a lost packet).
  void corrupt_ciphertext_of(std::uint64_t serial) noexcept { corrupt_ = serial; }

  std::size_t inspect(std::span<io::Packet* const> packets) noexcept override;
  // May be asked from another thread (the hosts' with --host-thread);
  // failure() once failed().
  bool failed() const noexcept { return failed_.load(std::memory_order_acquire); }
  const std::string& failure() const noexcept { return failure_; }

 private:
  static constexpr std::size_t kOuter = 14 + 20;  // Ethernet + outer IPv4
  bool check(const io::Packet* p) noexcept;

  const TrafficPlan& plan_;
  // Per size: the outer headers (checksum included) and the frame length.
  std::vector<std::array<std::uint8_t, kOuter>> heads_;
  std::vector<std::uint32_t> lengths_;
  const tunnel::SaDatabase* sas_ = nullptr;
  std::vector<std::uint32_t> last_spi_;  // negotiated: per route
  PlanCursor cursor_;
  std::uint64_t corrupt_ = ~std::uint64_t{0};
  std::string failure_;
  std::atomic<bool> failed_{false};
};

// Test hook on the gateway's private output: one packet (by serial)
// altered or dropped on its way to the hosts.
class PrivateFault final : public Inspector {
 public:
  enum class Kind : std::uint8_t { kCorruptPayload, kRewriteDestination, kDrop };
  PrivateFault(Kind kind, std::uint64_t serial) : kind_(kind), target_(serial) {}
  std::size_t inspect(std::span<io::Packet* const> packets) noexcept override;

 private:
  Kind kind_;
  std::uint64_t target_;
  std::uint64_t seen_ = 0;
};

}  // namespace strait::bench
