#define BOOST_TEST_MODULE exchange_primitives
#include <boost/test/unit_test.hpp>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "base/hex.hpp"
#include "exchange/aes_gcm.hpp"
#include "exchange/blake2s.hpp"
#include "exchange/hkdf.hpp"
#include "exchange/hmac.hpp"
#include "exchange/x25519.hpp"

using namespace strait::exchange;
using strait::base::decode_hex;
using strait::base::encode_hex;

namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
  return decode_hex(text).value();
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_array(std::string_view text) {
  auto bytes = hex(text);
  BOOST_REQUIRE(bytes.size() == N);
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

std::span<const std::uint8_t> text(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::vector<std::uint8_t> iota(std::uint8_t first, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i)
    v[i] = static_cast<std::uint8_t>(first + i);
  return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(blake2s_rfc7693_appendix_b) {
  std::array<std::uint8_t, 32> out{};
  blake2s_256(text("abc"), out);
  BOOST_TEST(encode_hex(out) == "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
  // Incremental hashing of parts gives the same digest.
  Blake2s h;
  h.update(text("a")).update(text("")).update(text("bc"));
  std::array<std::uint8_t, 32> parts{};
  h.final(parts);
  BOOST_TEST(encode_hex(parts) == encode_hex(out));
  // The empty message (libb2 KAT / reference implementation).
  blake2s_256({}, out);
  BOOST_TEST(encode_hex(out) == "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
}

// Expected values below were produced with /usr/bin/python3:
//   hmac.new(key, msg, hashlib.blake2s).digest().hex()
BOOST_AUTO_TEST_CASE(hmac_blake2s_matches_python_hmac) {
  std::array<std::uint8_t, 32> out{};
  auto key32 = iota(0, 32);
  hmac_blake2s(key32, {text("vita-ske")}, out);
  BOOST_TEST(encode_hex(out) == "788ea0ff60d64e115b844ac311589f0ca1e3af87d99029b0a66110b89126278e");
  // The message in parts is the same message.
  hmac_blake2s(key32, {text("vita"), text(""), text("-ske")}, out);
  BOOST_TEST(encode_hex(out) == "788ea0ff60d64e115b844ac311589f0ca1e3af87d99029b0a66110b89126278e");
  // A key longer than the 64-byte block is hashed first.
  std::vector<std::uint8_t> key100(100, 0xaa);
  hmac_blake2s(key100, {text("Test Using Larger Than Block-Size Key - Hash Key First")}, out);
  BOOST_TEST(encode_hex(out) == "6d5406353ca2d942cdc577ddbaaf90883f43b999eb3878979e68deb5d2e09563");
  // A key of exactly one block, empty message.
  auto key64 = iota(0, 64);
  hmac_blake2s(key64, {}, out);
  BOOST_TEST(encode_hex(out) == "4a4f8f181c931253202b2d7a77e2a612f65580f4b0d56108f7f275f22b63ae00");
}

// Expected values produced with /usr/bin/python3 (RFC 5869 by hand):
//   prk = hmac(salt, ikm); t = b''; out = b''
//   for i in 1..: t = hmac(prk, t + bytes([i])); out += t
BOOST_AUTO_TEST_CASE(hkdf_matches_python_rfc5869) {
  auto salt = iota(0, 32);
  auto ikm = iota(100, 32);
  std::array<std::uint8_t, 96> out96{};
  hkdf(salt, ikm, out96);
  BOOST_TEST(encode_hex(out96) ==
             "e3b7e038799447459d13f6cc03b71555c0b32ee93354ebe4526ec98bc53b20a4"
             "ca06d8e46b509266c7c0594805ffb9c256348a33c642381348f047e452d239e2"
             "5ee952936bec1473c13db1cc92b8d8ba5ad2df7c77f07478731d48aa5530a000");
  // Shorter outputs are prefixes.
  std::array<std::uint8_t, 64> out64{};
  hkdf(salt, ikm, out64);
  BOOST_TEST(encode_hex(out64) == encode_hex(std::span(out96).first(64)));
  // Vita's Split shape: zero salt, 40 bytes.
  std::array<std::uint8_t, 32> zero{};
  std::array<std::uint8_t, 40> out40{};
  hkdf(zero, iota(0, 32), out40);
  BOOST_TEST(encode_hex(out40) ==
             "d36c68692b681300676744097a482d8e0161a95bc9ed309b17bd78eafa8c49aed1c083372bc55d11");
}

BOOST_AUTO_TEST_CASE(x25519_rfc7748_section_6_1) {
  auto alice_sk = hex_array<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  auto bob_sk = hex_array<32>("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  std::array<std::uint8_t, 32> alice_pk{}, bob_pk{}, shared_a{}, shared_b{};
  BOOST_REQUIRE(x25519_public_key(alice_sk, alice_pk));
  BOOST_REQUIRE(x25519_public_key(bob_sk, bob_pk));
  BOOST_TEST(encode_hex(alice_pk) ==
             "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  BOOST_TEST(encode_hex(bob_pk) ==
             "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  BOOST_REQUIRE(x25519(alice_sk, bob_pk, shared_a));
  BOOST_REQUIRE(x25519(bob_sk, alice_pk, shared_b));
  const char* expected = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
  BOOST_TEST(encode_hex(shared_a) == expected);
  BOOST_TEST(encode_hex(shared_b) == expected);
}

BOOST_AUTO_TEST_CASE(x25519_rfc7748_section_5_2) {
  auto scalar = hex_array<32>("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
  auto u = hex_array<32>("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
  std::array<std::uint8_t, 32> out{};
  BOOST_REQUIRE(x25519(scalar, u, out));
  BOOST_TEST(encode_hex(out) == "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
}

BOOST_AUTO_TEST_CASE(x25519_rejects_low_order_points) {
  auto sk = hex_array<32>("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  // Points of order 1, 2, 4 and 8 (and their non-canonical encodings).
  const char* low_order[] = {
      "0000000000000000000000000000000000000000000000000000000000000000",
      "0100000000000000000000000000000000000000000000000000000000000000",
      "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
      "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
      "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
      "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  for (const char* point : low_order) {
    std::array<std::uint8_t, 32> out{};
    out.fill(0xee);
    BOOST_TEST(!x25519(sk, hex_array<32>(point), out), point);
    BOOST_TEST(encode_hex(out) == std::string(64, '0'));
  }
}

BOOST_AUTO_TEST_CASE(aes_gcm_published_vector_counter_zero) {
  BOOST_REQUIRE(aes_gcm_available());
  // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 14:
  // AES-256, zero key, zero 96-bit IV (= nonce for counter 0), P = 16 zeros.
  std::array<std::uint8_t, 32> key{};
  std::array<std::uint8_t, 16> plaintext{}, ciphertext{}, tag{}, back{};
  BOOST_REQUIRE(aes_gcm_encrypt(key, 0, {}, plaintext, ciphertext, tag).ok());
  BOOST_TEST(encode_hex(ciphertext) == "cea7403d4d606b6e074ec5d3baf39d18");
  BOOST_TEST(encode_hex(tag) == "d0d1c8a799996bf0265b98b5d48ab919");
  BOOST_REQUIRE(aes_gcm_decrypt(key, 0, {}, ciphertext, tag, back).ok());
  BOOST_TEST(encode_hex(back) == encode_hex(plaintext));
  // Test case 13: empty plaintext, tag only.
  std::array<std::uint8_t, 16> tag13{};
  BOOST_REQUIRE(aes_gcm_encrypt(key, 0, {}, {}, {}, tag13).ok());
  BOOST_TEST(encode_hex(tag13) == "530f8afbc74536b9a963b4f1c4cb738b");
}

// Produced with /usr/bin/python3 cryptography:
//   AESGCM(key).encrypt(bytes(4) + (0x0102030405060708).to_bytes(8, 'big'),
//                       b"vita-ske v5 payload 0123456789ab", bytes(range(32)))
BOOST_AUTO_TEST_CASE(aes_gcm_nonce_is_zero_then_big_endian_counter) {
  auto key = hex_array<32>("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  auto ad = iota(0, 32);
  auto plaintext = text("vita-ske v5 payload 0123456789ab");
  std::vector<std::uint8_t> ciphertext(plaintext.size());
  std::array<std::uint8_t, 16> tag{};
  BOOST_REQUIRE(aes_gcm_encrypt(key, 0x0102030405060708, ad, plaintext, ciphertext, tag).ok());
  BOOST_TEST(encode_hex(ciphertext) ==
             "1eefde6c05652a2ea2c0a39e10b663e79116356a400d2c547a5ad16757e28ae2");
  BOOST_TEST(encode_hex(tag) == "2129ff06294df532964185532203a218");

  std::vector<std::uint8_t> back(plaintext.size());
  BOOST_REQUIRE(aes_gcm_decrypt(key, 0x0102030405060708, ad, ciphertext, tag, back).ok());
  BOOST_TEST(std::string(back.begin(), back.end()) == "vita-ske v5 payload 0123456789ab");

  // Wrong counter, wrong AD, flipped ciphertext or tag bit: authentication error.
  auto fails = [&](std::uint64_t counter, std::span<const std::uint8_t> a,
                   std::span<const std::uint8_t> c, std::span<const std::uint8_t, 16> t) {
    std::vector<std::uint8_t> out(c.size(), 0x77);
    auto status = aes_gcm_decrypt(key, counter, a, c, t, out);
    return !status.ok() && status.error() == Error::kAuthentication &&
           std::all_of(out.begin(), out.end(), [](std::uint8_t b) { return b == 0; });
  };
  BOOST_TEST(fails(0x0102030405060709, ad, ciphertext, tag));
  BOOST_TEST(fails(0x0102030405060708, iota(1, 32), ciphertext, tag));
  auto bad_c = ciphertext;
  bad_c[5] ^= 0x01;
  BOOST_TEST(fails(0x0102030405060708, ad, bad_c, tag));
  auto bad_t = tag;
  bad_t[15] ^= 0x80;
  BOOST_TEST(fails(0x0102030405060708, ad, ciphertext, bad_t));
}
