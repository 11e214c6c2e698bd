#define BOOST_TEST_MODULE esp_vectors
// PROTOCOL.md section 1 against conformance/vectors/vita-ske-v5.json: the
// "esp" packets (checked against a live Vita node) and the SAs derived by
// the "exchanges".

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/hex.hpp"
#include "esp/engine.hpp"
#include "esp/esp_test_support.hpp"
#include "esp/security_association.hpp"
#include "esp/transform.hpp"

using namespace strait;
using namespace strait::esp;
using namespace strait::esp::test;

namespace {

// --- Just enough JSON for the vectors file --------------------------------
// Values are found by key inside a given object text; objects and arrays are
// returned as their raw text (balanced brackets, strings skipped), strings
// without quotes, numbers as digits.

std::size_t skip_string(std::string_view text, std::size_t quote) {
  std::size_t i = quote + 1;
  while (i < text.size() && text[i] != '"')
    i += text[i] == '\\' ? 2 : 1;
  return i + 1;  // past the closing quote
}

std::size_t skip_value(std::string_view text, std::size_t start) {
  if (text[start] == '"') return skip_string(text, start);
  if (text[start] == '{' || text[start] == '[') {
    int depth = 0;
    std::size_t i = start;
    while (i < text.size()) {
      const char c = text[i];
      if (c == '"') {
        i = skip_string(text, i);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return text.size();
  }
  std::size_t i = start;
  while (i < text.size() && text.find_first_of(",}] \n\r\t", i) != i)
    ++i;
  return i;
}

std::size_t skip_space(std::string_view text, std::size_t i) {
  while (i < text.size() && std::string_view(" \n\r\t").find(text[i]) != std::string_view::npos) {
    ++i;
  }
  return i;
}

// The members of `object` at its own level (not nested ones).
std::string_view member(std::string_view object, std::string_view key) {
  std::size_t i = skip_space(object, 0);
  BOOST_TEST_REQUIRE(object[i] == '{');
  i = skip_space(object, i + 1);
  while (i < object.size() && object[i] == '"') {
    const std::size_t key_end = skip_string(object, i);
    const std::string_view name = object.substr(i + 1, key_end - i - 2);
    i = skip_space(object, key_end);
    BOOST_TEST_REQUIRE(object[i] == ':');
    i = skip_space(object, i + 1);
    const std::size_t value_end = skip_value(object, i);
    if (name == key) {
      std::string_view value = object.substr(i, value_end - i);
      if (value.front() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
    i = skip_space(object, value_end);
    if (i < object.size() && object[i] == ',') i = skip_space(object, i + 1);
  }
  BOOST_FAIL("vectors: no member \"" << key << "\"");
  return {};
}

std::vector<std::string_view> elements(std::string_view array) {
  std::vector<std::string_view> result;
  std::size_t i = skip_space(array, 0);
  BOOST_TEST_REQUIRE(array[i] == '[');
  i = skip_space(array, i + 1);
  while (i < array.size() && array[i] != ']') {
    const std::size_t end = skip_value(array, i);
    result.push_back(array.substr(i, end - i));
    i = skip_space(array, end);
    if (i < array.size() && array[i] == ',') i = skip_space(array, i + 1);
  }
  return result;
}

std::uint64_t number(std::string_view text) {
  return std::stoull(std::string(text));
}

SaParameters sa_parameters(std::string_view object) {
  SaParameters p;
  p.spi = static_cast<std::uint32_t>(number(member(object, "spi")));
  const auto key = hex(member(object, "key"));
  const auto salt = hex(member(object, "salt"));
  BOOST_TEST_REQUIRE(key.size() == p.key.size());
  BOOST_TEST_REQUIRE(salt.size() == p.salt.size());
  std::copy(key.begin(), key.end(), p.key.begin());
  std::copy(salt.begin(), salt.end(), p.salt.begin());
  return p;
}

std::string read_vectors() {
  std::ifstream file(std::string(STRAIT_VECTORS_DIR) + "/vita-ske-v5.json");
  BOOST_TEST_REQUIRE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(json_helper_reads_members_and_arrays) {
  const std::string_view text =
      R"({ "a": "x\"}", "b" : [ {"c": 1}, {"c": 22} ], "n": 4294967301, "s": {"k": "v"} })";
  BOOST_TEST(member(text, "a") == R"(x\"})");
  BOOST_TEST(member(text, "n") == "4294967301");
  BOOST_TEST(member(member(text, "s"), "k") == "v");
  const auto list = elements(member(text, "b"));
  BOOST_TEST_REQUIRE(list.size() == 2u);
  BOOST_TEST(member(list[1], "c") == "22");
}

BOOST_AUTO_TEST_CASE(esp_vectors_decrypt_to_the_inner_packet) {
  const std::string vectors = read_vectors();
  const auto entries = elements(member(vectors, "esp"));
  BOOST_TEST_REQUIRE(entries.size() >= 2u);
  auto engine = make_engine();
  bool saw_high_sequence = false;
  for (const auto entry : entries) {
    const SaParameters parameters = sa_parameters(member(entry, "sa"));
    const std::uint64_t seq = number(member(entry, "seq"));
    const auto inner = hex(member(entry, "inner_ipv4"));
    auto packet = hex(member(entry, "esp_payload"));
    BOOST_TEST_MESSAGE("vector seq " << seq);

    InboundSa sa(*engine, parameters);
    if (seq >= kTwo32) {
      // Only the low 32 bits travel. A receiver knows seq_hi from its
      // window: here it has accepted packets up to just below the next
      // 2^32 boundary under the vector's seq_hi, so RFC 4303 A2 (case A, the
      // low half is below the window) must move on to the next subspace.
      saw_high_sequence = true;
      const std::uint64_t top = (seq & ~(kTwo32 - 1)) - 2;
      sa.window().update(top);
      BOOST_TEST_REQUIRE(static_cast<std::uint32_t>(seq) < static_cast<std::uint32_t>(top));
    }
    const auto original = packet;
    const Decrypted result = decrypt(*engine, sa, packet.data(), packet.size());
    BOOST_TEST_REQUIRE(result.status == DecryptStatus::kOk);
    BOOST_TEST(result.sequence == seq);
    BOOST_TEST(result.next_header == kNextHeaderIpv4);
    BOOST_TEST_REQUIRE(result.inner_length == inner.size());
    BOOST_TEST(std::equal(inner.begin(), inner.end(), packet.begin() + kHeaderSize));
    BOOST_TEST(sa.window().highest() == seq);
    BOOST_TEST(sa.counters.decrypt_errors == 0u);

    // Delivered again: a replay.
    auto again = original;
    BOOST_TEST(decrypt(*engine, sa, again.data(), again.size()).status == DecryptStatus::kReplay);
    BOOST_TEST(sa.counters.decrypt_errors == 1u);
  }
  BOOST_TEST(saw_high_sequence);
}

BOOST_AUTO_TEST_CASE(esp_vectors_are_reproduced_byte_for_byte) {
  const std::string vectors = read_vectors();
  auto engine = make_engine();
  for (const auto entry : elements(member(vectors, "esp"))) {
    const SaParameters parameters = sa_parameters(member(entry, "sa"));
    const std::uint64_t seq = number(member(entry, "seq"));
    const auto inner = hex(member(entry, "inner_ipv4"));
    const auto expected = hex(member(entry, "esp_payload"));
    OutboundSa sa(*engine, parameters, seq);
    std::vector<std::uint8_t> buffer(kHeaderSize + inner.size() + kTrailerMax);
    std::copy(inner.begin(), inner.end(), buffer.begin() + kHeaderSize);
    const std::size_t length = encrypt(*engine, sa, buffer.data(), inner.size(), kNextHeaderIpv4);
    buffer.resize(length);
    BOOST_TEST(sa.last_sequence() == seq);
    BOOST_TEST(base::encode_hex(buffer) == base::encode_hex(expected));
  }
}

BOOST_AUTO_TEST_CASE(exchange_sas_pair_up_and_carry_traffic) {
  const std::string vectors = read_vectors();
  const auto exchanges = elements(member(vectors, "exchanges"));
  BOOST_TEST_REQUIRE(exchanges.size() >= 2u);
  auto engine = make_engine();
  for (const auto exchange : exchanges) {
    BOOST_TEST_MESSAGE("exchange " << member(exchange, "name"));
    const struct {
      const char* outbound;
      const char* inbound;
    } directions[] = {{"initiator_outbound_sa", "responder_inbound_sa"},
                      {"responder_outbound_sa", "initiator_inbound_sa"}};
    for (const auto& direction : directions) {
      const SaParameters out = sa_parameters(member(exchange, direction.outbound));
      const SaParameters in = sa_parameters(member(exchange, direction.inbound));
      BOOST_TEST(out.spi == in.spi);
      BOOST_TEST(out.key == in.key);
      BOOST_TEST(out.salt == in.salt);
      BOOST_TEST(out.spi >= 256u);

      OutboundSa sender(*engine, out);
      InboundSa receiver(*engine, in);
      for (const std::size_t n : {std::size_t{20}, std::size_t{41}, std::size_t{1400}}) {
        std::vector<std::uint8_t> inner(n);
        for (std::size_t i = 0; i < n; ++i)
          inner[i] = static_cast<std::uint8_t>(i * 13 + n);
        std::vector<std::uint8_t> buffer(kHeaderSize + n + kTrailerMax);
        std::copy(inner.begin(), inner.end(), buffer.begin() + kHeaderSize);
        const std::size_t length = encrypt(*engine, sender, buffer.data(), n, kNextHeaderIpv6);
        const Decrypted result = decrypt(*engine, receiver, buffer.data(), length);
        BOOST_TEST_REQUIRE(result.status == DecryptStatus::kOk);
        BOOST_TEST(result.inner_length == n);
        BOOST_TEST(result.next_header == kNextHeaderIpv6);
        BOOST_TEST(std::equal(inner.begin(), inner.end(), buffer.begin() + kHeaderSize));
      }
      BOOST_TEST(receiver.window().highest() == 3u);
    }
    // The two directions use different keys.
    BOOST_TEST(sa_parameters(member(exchange, "initiator_outbound_sa")).key !=
               sa_parameters(member(exchange, "initiator_inbound_sa")).key);
  }
}
