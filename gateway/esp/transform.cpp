#include "esp/transform.hpp"

#include <sodium.h>

#include <emmintrin.h>
#include <endian.h>

#include <bit>
#include <cstring>

#include "net/headers.hpp"

namespace strait::esp {
namespace {

constexpr std::size_t kNonceSize = 12;  // salt(4) || IV(8)
static_assert(kNonceSize <= 16);
constexpr std::size_t kAadSize = 12;  // SPI(4) || seq_hi(4) || seq_lo(4)
constexpr std::size_t kIvOffset = 8;

inline void store_le64(std::uint8_t* p, std::uint64_t v) noexcept {
  v = htole64(v);
  std::memcpy(p, &v, 8);
}

// GCM nonce = salt || IV as carried; AAD = SPI || seq_hi || seq_lo (RFC
// 4106 with ESN). Each is put together in registers and written with one
// 16-byte store: libipsec-mb reads them with vector loads, which a
// field-by-field build (several smaller stores) cannot forward, and the
// wait cost about a tenth of a short packet's encryption. The words are
// the bytes as they lie in memory (little-endian host).
struct NonceAndAad {
  alignas(16) std::uint8_t nonce[16];  // kNonceSize used
  alignas(16) std::uint8_t aad[16];    // kAadSize used
};
static_assert(std::endian::native == std::endian::little);

inline std::uint32_t load_raw32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// salt, iv: the salt's 4 bytes and the IV's 8 as they lie in memory;
// spi, seq_lo: the ESP header's first two words as they lie in memory.
inline NonceAndAad nonce_and_aad(std::uint32_t salt, std::uint64_t iv, std::uint32_t spi,
                                 std::uint32_t seq_lo, std::uint64_t seq) noexcept {
  NonceAndAad n;
  const std::uint32_t seq_hi = __builtin_bswap32(static_cast<std::uint32_t>(seq >> 32));
  _mm_store_si128(reinterpret_cast<__m128i*>(n.nonce),
                  _mm_set_epi64x(static_cast<std::int64_t>(iv >> 32),
                                 static_cast<std::int64_t>(salt | iv << 32)));
  _mm_store_si128(reinterpret_cast<__m128i*>(n.aad),
                  _mm_set_epi64x(static_cast<std::int64_t>(seq_lo),
                                 static_cast<std::int64_t>(spi | std::uint64_t{seq_hi} << 32)));
  return n;
}

}  // namespace

std::size_t encrypt(Engine& engine, OutboundSa& sa, std::uint8_t* esp, std::size_t inner_length,
                    std::uint8_t next_header, std::size_t tfc_length) noexcept {
  std::uint8_t* plaintext = esp + kHeaderSize;
  std::size_t payload_length = inner_length;
  if (tfc_length > inner_length) {
    std::memset(plaintext + inner_length, 0, tfc_length - inner_length);
    payload_length = tfc_length;
  }
  // Pad so that payload, padding, pad_length and next_header fill a multiple
  // of 4 bytes. The three default padding bytes always fit in the tailroom;
  // the trailer overwrites the ones not needed.
  const std::size_t pad_length = (std::size_t{0} - (payload_length + 2)) & 3;
  static constexpr std::uint8_t kPadding[3] = {1, 2, 3};
  std::memcpy(plaintext + payload_length, kPadding, sizeof kPadding);
  const std::size_t plaintext_length = payload_length + pad_length + 2;
  plaintext[plaintext_length - 2] = static_cast<std::uint8_t>(pad_length);
  plaintext[plaintext_length - 1] = next_header;

  const std::uint64_t seq = sa.next_sequence();
  const auto seq_lo = static_cast<std::uint32_t>(seq);
  net::store32(esp, sa.spi());
  net::store32(esp + 4, seq_lo);
  store_le64(esp + kIvOffset, seq);

  // The header's bytes as just stored, worked out again rather than read
  // back.
  const NonceAndAad n = nonce_and_aad(load_raw32(sa.salt()), htole64(seq),
                                      __builtin_bswap32(sa.spi()), __builtin_bswap32(seq_lo), seq);

  gcm_context_data context;
  IMB_AES128_GCM_ENC(engine.manager(), &sa.key(), &context, plaintext, plaintext, plaintext_length,
                     n.nonce, n.aad, kAadSize, plaintext + plaintext_length, kIcvSize);
  return kHeaderSize + plaintext_length + kIcvSize;
}

Decrypted decrypt(Engine& engine, InboundSa& sa, std::uint8_t* esp,
                  std::size_t esp_length) noexcept {
  if (esp_length < kHeaderSize + 2 + kIcvSize || (esp_length & 3) != 0) {
    ++sa.counters.rxerrors;
    return {DecryptStatus::kTruncated, 0, 0, 0};
  }
  ReplayWindow& window = sa.window();
  const std::uint64_t seq = window.reconstruct(net::load32(esp + 4));
  if (!window.check(seq)) {
    ++sa.counters.decrypt_errors;
    return {DecryptStatus::kReplay, 0, 0, seq};
  }

  // The receiver uses the IV bytes exactly as carried.
  std::uint64_t iv;
  std::memcpy(&iv, esp + kIvOffset, 8);
  const NonceAndAad n =
      nonce_and_aad(load_raw32(sa.salt()), iv, load_raw32(esp), load_raw32(esp + 4), seq);

  std::uint8_t* text = esp + kHeaderSize;
  const std::size_t text_length = esp_length - kHeaderSize - kIcvSize;
  std::uint8_t tag[kIcvSize];
  gcm_context_data context;
  IMB_AES128_GCM_DEC(engine.manager(), &sa.key(), &context, text, text, text_length, n.nonce, n.aad,
                     kAadSize, tag, kIcvSize);
  if (crypto_verify_16(tag, text + text_length) != 0) {  // constant time
    ++sa.counters.decrypt_errors;
    return {DecryptStatus::kAuthentication, 0, 0, seq};
  }
  window.update(seq);

  const std::size_t pad_length = text[text_length - 2];
  const std::uint8_t next_header = text[text_length - 1];
  if (pad_length + 2 > text_length) {
    ++sa.counters.protocol_errors;
    return {DecryptStatus::kBadPadding, next_header, 0, seq};
  }
  if (next_header != kNextHeaderIpv4 && next_header != kNextHeaderIpv6) {
    ++sa.counters.protocol_errors;
    return {DecryptStatus::kBadNextHeader, next_header, 0, seq};
  }
  return {DecryptStatus::kOk, next_header, text_length - 2 - pad_length, seq};
}

}  // namespace strait::esp
