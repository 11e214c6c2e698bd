#pragma once
// ESP security associations (PROTOCOL.md section 1): AES-128-GCM with a
// 16-byte ICV, 64-bit extended sequence numbers, salt || IV nonce.

#include <intel-ipsec-mb.h>
#include <sodium.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <span>

#include "esp/replay_window.hpp"

namespace strait::esp {

// Key and salt are wiped when an SaParameters dies: the long-lived ones
// live in locked memory (base::LockedPool, SaUpdateQueue's slots); a
// temporary on a stack is wiped with it.
struct SaParameters {
  std::uint32_t spi = 0;
  std::array<std::uint8_t, 16> key{};
  std::array<std::uint8_t, 4> salt{};

  ~SaParameters() {
    sodium_memzero(key.data(), key.size());
    sodium_memzero(salt.data(), salt.size());
  }
};

class Engine;

// Names the nonce space of an SA, its key and salt, without holding them:
// a BLAKE2b hash (libsodium generic hash, personalised) of key || salt. Two
// SAs with the same fingerprint must never send the same sequence number.
using KeyFingerprint = std::array<std::uint8_t, 32>;
KeyFingerprint key_fingerprint(std::span<const std::uint8_t, 16> key,
                               std::span<const std::uint8_t, 4> salt) noexcept;

// Brings the parts of a GCM key schedule that a short packet needs (the AES
// round keys and the lowest hash-key powers) towards the core ahead of use:
// with thousands of SAs their keys are not in cache. Where those parts lie
// depends on the code path that laid the schedule out (Engine::key_lines):
// one bit per 64-byte line.
inline void prefetch_key(const gcm_key_data& key, std::uint32_t lines) noexcept {
  static_assert(sizeof(gcm_key_data) <= 32 * 64);
  const auto* bytes = reinterpret_cast<const char*>(&key);
  for (; lines != 0; lines &= lines - 1)
    __builtin_prefetch(bytes + 64 * __builtin_ctz(lines), 0, 2);
}

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
  // The sending thread alone advances the counter; another thread may read
  // it (relaxed: a recent value) and set the limit below.
  std::uint64_t last_sequence() const noexcept { return sequence_.load(std::memory_order_relaxed); }
  std::uint64_t next_sequence() noexcept {
    const std::uint64_t next = sequence_.load(std::memory_order_relaxed) + 1;
    sequence_.store(next, std::memory_order_relaxed);
    return next;
  }
  // Control path (the sending thread paused): the next packet is numbered
  // at least `sequence` (never lower than it would have been).
  void skip_to(std::uint64_t sequence) noexcept {
    if (sequence - 1 > last_sequence()) sequence_.store(sequence - 1, std::memory_order_relaxed);
  }
  // The first sequence number this SA may not send (static SAs of strait
  // run: what the sequence file has reserved; unlimited otherwise). The
  // sender checks exhausted() before each packet; any thread may raise the
  // limit, once what it covers is on disk.
  std::uint64_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }
  void set_limit(std::uint64_t limit) noexcept { limit_.store(limit, std::memory_order_relaxed); }
  bool exhausted() const noexcept { return last_sequence() + 1 >= limit(); }

  const gcm_key_data& key() const noexcept { return key_; }
  const std::uint8_t* salt() const noexcept { return salt_.data(); }
  // Ahead of encrypt(): key schedule and the sequence counter.
  void prefetch() const noexcept {
    prefetch_key(key_, key_lines_);
    __builtin_prefetch(&sequence_, 1, 2);
  }

 private:
  alignas(64) gcm_key_data key_;
  std::array<std::uint8_t, 4> salt_;
  std::uint32_t spi_;
  std::uint32_t key_lines_;
  std::atomic<std::uint64_t> sequence_ = 0;
  std::atomic<std::uint64_t> limit_ = ~std::uint64_t{0};
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
  const ReplayWindow& window() const noexcept { return window_; }
  // Ahead of decrypt(): key schedule, window head and counters.
  // The whole window: the block a packet's bit is in moves along it every
  // 64 packets, and with thousands of SAs any of its lines may be cold.
  void prefetch() const noexcept {
    prefetch_key(key_, key_lines_);
    const auto* window = reinterpret_cast<const char*>(&window_);
    for (std::size_t at = 0; at < sizeof window_; at += 64)
      __builtin_prefetch(window + at, 1, 2);
    __builtin_prefetch(window + sizeof window_ - 1, 1, 2);
    __builtin_prefetch(&counters, 1, 2);
  }

  struct Counters {
    std::uint64_t rxerrors = 0;
    std::uint64_t protocol_errors = 0;
    std::uint64_t decrypt_errors = 0;  // authentication failures and replays
  } counters;

 private:
  alignas(64) gcm_key_data key_;
  std::array<std::uint8_t, 4> salt_;
  std::uint32_t spi_;
  std::uint32_t key_lines_;
  ReplayWindow window_;
};

}  // namespace strait::esp
