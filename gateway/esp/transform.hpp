#pragma once
// ESP tunnel-mode transforms, in place, on one packet (PROTOCOL.md 1).
// No allocation, no exceptions; the caller owns the buffer and guarantees
// the headroom / tailroom stated below. Outer IP headers are the tunnel
// stage's business, not this file's.
//
// Layout: esp[0..4) SPI, [4..8) seq_lo, [8..16) IV (= 64-bit sequence number
// little-endian), [16..) ciphertext of `inner | padding 1,2,3.. |
// pad_length | next_header`, then the 16-byte ICV.

#include <cstddef>
#include <cstdint>

#include "esp/engine.hpp"
#include "esp/security_association.hpp"

namespace strait::esp {

constexpr std::size_t kHeaderSize = 16;  // SPI, sequence, IV
constexpr std::size_t kIcvSize = 16;
constexpr std::size_t kTrailerMax = 3 + 2 + kIcvSize;  // padding, pad length, next header, ICV
constexpr std::uint8_t kNextHeaderIpv4 = 4;
constexpr std::uint8_t kNextHeaderIpv6 = 41;

// Encrypts the inner packet found at esp + kHeaderSize (inner_length bytes).
// If tfc_length > inner_length, zero bytes are appended to the inner packet
// up to tfc_length before the ESP padding (traffic flow confidentiality; the
// receiver trims to the inner IP length). The buffer must have room for
// kHeaderSize + max(inner_length, tfc_length) + kTrailerMax bytes from esp.
// Returns the ESP payload length (header through ICV).
std::size_t encrypt(Engine& engine, OutboundSa& sa, std::uint8_t* esp, std::size_t inner_length,
                    std::uint8_t next_header, std::size_t tfc_length = 0) noexcept;

enum class DecryptStatus : std::uint8_t {
  kOk,
  kTruncated,       // shorter than header + ICV + 2 bytes of trailer, or not a multiple of 4
  kReplay,          // replayed or left of the window: counted as decrypt error
  kAuthentication,  // bad ICV: counted as decrypt error
  kBadPadding,      // pad_length does not fit: protocol error
  kBadNextHeader,   // next header not 4 / 41: protocol error
};

struct Decrypted {
  DecryptStatus status;
  std::uint8_t next_header;  // valid when kOk
  std::size_t inner_length;  // valid when kOk; inner packet at esp + kHeaderSize
  std::uint64_t sequence;    // the reconstructed 64-bit sequence number
};

// SPI lookup is the caller's; this checks the window, authenticates and
// decrypts in place, and updates the window and the SA's counters.
// inner_length is the plaintext length minus padding and trailer (it still
// includes TFC padding; the caller trims to the inner IP length).
Decrypted decrypt(Engine& engine, InboundSa& sa, std::uint8_t* esp,
                  std::size_t esp_length) noexcept;

}  // namespace strait::esp
