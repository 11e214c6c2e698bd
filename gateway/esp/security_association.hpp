#pragma once
// ESP security associations (PROTOCOL.md section 1): AES-128-GCM with a
// 16-byte ICV, 64-bit extended sequence numbers, salt || IV nonce.

#include <intel-ipsec-mb.h>

#include <array>
#include <cstdint>

#include "esp/replay_window.hpp"

namespace strait::esp {

struct SaParameters {
  std::uint32_t spi = 0;
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 4> salt{};
};

class Engine;

// Sender side. The sequence counter starts at 1 and increments per packet.
class OutboundSa {
 public:
  // initial_sequence is the sequence number of the first packet sent (>= 1);
  // only tests start anywhere but at 1 (e.g. just below 2^32).
  OutboundSa(Engine& engine, const SaParameters& parameters,
             std::uint64_t initial_sequence = 1) noexcept;
  ~OutboundSa();  // wipes key material
  OutboundSa(const OutboundSa&) = delete;
  OutboundSa& operator=(const OutboundSa&) = delete;

  std::uint32_t spi() const noexcept { return spi_; }
  std::uint64_t last_sequence() const noexcept { return sequence_; }
  std::uint64_t next_sequence() noexcept { return ++sequence_; }

  const gcm_key_data& key() const noexcept { return key_; }
  const std::uint8_t* salt() const noexcept { return salt_.data(); }

 private:
  alignas(64) gcm_key_data key_;
  std::array<std::uint8_t, 4> salt_;
  std::uint32_t spi_;
  std::uint64_t sequence_ = 0;
};

// Receiver side, with its anti-replay window and its own counters
// (CONFIG.md inbound-sa sa-state).
class InboundSa {
 public:
  InboundSa(Engine& engine, const SaParameters& parameters) noexcept;
  ~InboundSa();  // wipes key material
  InboundSa(const InboundSa&) = delete;
  InboundSa& operator=(const InboundSa&) = delete;

  std::uint32_t spi() const noexcept { return spi_; }
  const gcm_key_data& key() const noexcept { return key_; }
  const std::uint8_t* salt() const noexcept { return salt_.data(); }
  ReplayWindow& window() noexcept { return window_; }

  struct Counters {
    std::uint64_t rxerrors = 0;
    std::uint64_t protocol_errors = 0;
    std::uint64_t decrypt_errors = 0;  // authentication failures and replays
  } counters;

 private:
  alignas(64) gcm_key_data key_;
  std::array<std::uint8_t, 4> salt_;
  std::uint32_t spi_;
  ReplayWindow window_;
};

}  // namespace strait::esp
