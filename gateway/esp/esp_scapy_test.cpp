#define BOOST_TEST_MODULE esp_scapy
// Interoperability with an independent ESP implementation (PROTOCOL.md 1):
// Scapy's SecurityAssociation (AES-GCM, key || salt, ESN) via
// conformance/scapy_esp.py, run with /usr/bin/python3. Scapy picks a random
// IV, so the gateway must use the IV bytes carried in the packet; the
// gateway writes the sequence number little-endian as IV, which Scapy takes
// as carried.

#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
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

constexpr const char* kPython = "/usr/bin/python3";

SaParameters parameters() {
  SaParameters p;
  p.spi = 0x00012345;
  for (std::size_t i = 0; i < p.key.size(); ++i)
    p.key[i] = static_cast<std::uint8_t>(0x90 ^ i);
  p.salt = {0x11, 0x22, 0x33, 0x44};
  return p;
}

std::string temp_path(const char* suffix) {
  char name[] = "/tmp/strait-esp-scapy-XXXXXX";
  const int fd = mkstemp(name);
  BOOST_TEST_REQUIRE(fd >= 0);
  close(fd);
  return std::string(name) + suffix;
}

std::string read_file(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// Runs conformance/scapy_esp.py in `mode` on `lines` ("<seq> <hex>") and
// returns its output lines. Fails (never skips) when Scapy is unavailable.
std::vector<std::string> run_scapy(const std::string& mode, const std::vector<std::string>& lines) {
  const SaParameters p = parameters();
  const std::string input = temp_path(".in");
  const std::string errors = temp_path(".err");
  {
    std::ofstream file(input);
    for (const auto& line : lines)
      file << line << '\n';
  }
  const std::string command =
      std::string(kPython) + " " + STRAIT_SOURCE_DIR + "/conformance/scapy_esp.py " + mode +
      " --spi " + std::to_string(p.spi) + " --key " + base::encode_hex(p.key) + " --salt " +
      base::encode_hex(p.salt) + " < " + input + " 2> " + errors;
  FILE* pipe = popen(command.c_str(), "r");
  BOOST_TEST_REQUIRE(pipe != nullptr);
  std::string output;
  char chunk[4096];
  std::size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, pipe)) > 0)
    output.append(chunk, n);
  const int status = pclose(pipe);
  const std::string stderr_text = read_file(errors);
  std::remove(input.c_str());
  std::remove(errors.c_str());
  BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                     "scapy_esp.py "
                         << mode << " failed (" << kPython
                         << " needs python3-scapy and python3-cryptography): " << stderr_text);
  std::vector<std::string> result;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);) {
    if (!line.empty()) result.push_back(line);
  }
  BOOST_TEST_REQUIRE(result.size() == lines.size());
  return result;
}

void set_checksum(std::vector<std::uint8_t>& ipv4) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < 20; i += 2)
    sum += (std::uint32_t{ipv4[i]} << 8) | ipv4[i + 1];
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  const auto checksum = static_cast<std::uint16_t>(~sum);
  ipv4[10] = static_cast<std::uint8_t>(checksum >> 8);
  ipv4[11] = static_cast<std::uint8_t>(checksum);
}

// Well-formed inner packets (Scapy re-serialises them byte for byte).
struct Inner {
  std::vector<std::uint8_t> bytes;
  std::uint8_t next_header;
  const char* scapy_layer;
};

std::vector<Inner> inner_packets() {
  std::vector<Inner> packets;
  // The ICMP echo of the vectors file.
  packets.push_back({hex("45000022000100003f0164490a4702020a4701020800968012340001737472616974"),
                     kNextHeaderIpv4, "IP"});
  // A 1400-byte IPv4 packet, experimental protocol 253.
  std::vector<std::uint8_t> big(1400);
  const std::uint8_t header[20] = {0x45, 0, 0x05, 0x78, 0x12, 0x34, 0x40, 0, 64, 253,
                                   0,    0, 10,   0,    0,    1,    10,   0, 0,  2};
  std::copy(std::begin(header), std::end(header), big.begin());
  for (std::size_t i = 20; i < big.size(); ++i)
    big[i] = static_cast<std::uint8_t>(i * 31);
  set_checksum(big);
  packets.push_back({big, kNextHeaderIpv4, "IP"});
  // IPv6, no next header, 13 bytes of payload (odd length: padding 3).
  std::vector<std::uint8_t> v6 = {0x60, 0, 0, 0, 0, 13, 59, 64};
  for (int i = 0; i < 16; ++i)
    v6.push_back(i == 0 ? 0x20 : i == 1 ? 0x01 : i == 15 ? 1 : 0);
  for (int i = 0; i < 16; ++i)
    v6.push_back(i == 0 ? 0x20 : i == 1 ? 0x01 : i == 15 ? 2 : 0);
  for (int i = 0; i < 13; ++i)
    v6.push_back(static_cast<std::uint8_t>(0xa0 + i));
  packets.push_back({v6, kNextHeaderIpv6, "IPv6"});
  return packets;
}

const std::uint64_t kSequences[] = {1, 2, 0xffffffffu, kTwo32 + 5, 7 * kTwo32 + 0x80000000u};

// A receiver whose window makes `seq` the natural reconstruction of its low
// half: it has seen traffic up to shortly before it (or nothing for small
// numbers), and for numbers just past a 2^32 boundary it sits below that
// boundary so seq_hi has to be carried over (RFC 4303 A2).
void position_window(InboundSa& sa, std::uint64_t seq) {
  if (seq < kTwo32) return;
  const std::uint64_t below =
      static_cast<std::uint32_t>(seq) < 1000 ? (seq & ~(kTwo32 - 1)) - 10 : seq - 100;
  sa.window().update(below);
}

}  // namespace

BOOST_AUTO_TEST_CASE(scapy_is_available) {
  const std::string command =
      std::string(kPython) + " -c 'import scapy.layers.ipsec, cryptography' > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  BOOST_TEST_REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                     kPython << " cannot import scapy.layers.ipsec and cryptography: install "
                                "python3-scapy and python3-cryptography (apt)");
}

BOOST_AUTO_TEST_CASE(gateway_decrypts_what_scapy_encrypts) {
  auto engine = make_engine();
  std::vector<std::string> lines;
  std::vector<std::pair<std::uint64_t, const Inner*>> cases;
  const auto packets = inner_packets();
  for (const std::uint64_t seq : kSequences) {
    for (const auto& inner : packets) {
      lines.push_back(std::to_string(seq) + " " + base::encode_hex(inner.bytes));
      cases.emplace_back(seq, &inner);
    }
  }
  const auto output = run_scapy("encrypt", lines);
  int foreign_ivs = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto [seq, inner] = cases[i];
    BOOST_TEST_MESSAGE("seq " << seq << ", " << inner->bytes.size() << " bytes");
    auto packet = hex(output[i]);
    // Scapy's IV is random, not the sequence number.
    bool iv_is_sequence = true;
    for (int b = 0; b < 8; ++b) {
      iv_is_sequence &= packet[8 + b] == static_cast<std::uint8_t>(seq >> (8 * b));
    }
    foreign_ivs += iv_is_sequence ? 0 : 1;

    InboundSa sa(*engine, parameters());
    position_window(sa, seq);
    const Decrypted result = decrypt(*engine, sa, packet.data(), packet.size());
    BOOST_TEST_REQUIRE(result.status == DecryptStatus::kOk);
    BOOST_TEST(result.sequence == seq);
    BOOST_TEST(result.next_header == inner->next_header);
    BOOST_TEST_REQUIRE(result.inner_length == inner->bytes.size());
    BOOST_TEST(std::equal(inner->bytes.begin(), inner->bytes.end(), packet.begin() + kHeaderSize));
    // Scapy pads to a multiple of 4 with 1, 2, 3... as well.
    const std::size_t pad = (4 - (inner->bytes.size() + 2) % 4) % 4;
    const std::uint8_t* trailer = packet.data() + kHeaderSize + result.inner_length;
    for (std::size_t b = 0; b < pad; ++b)
      BOOST_TEST(trailer[b] == b + 1);
    BOOST_TEST(trailer[pad] == pad);
  }
  BOOST_TEST(foreign_ivs == static_cast<int>(cases.size()));
}

BOOST_AUTO_TEST_CASE(scapy_decrypts_what_the_gateway_encrypts) {
  auto engine = make_engine();
  std::vector<std::string> lines;
  std::vector<const Inner*> inners;
  const auto packets = inner_packets();
  bool above_two_to_the_32 = false;
  for (const std::uint64_t seq : kSequences) {
    for (const auto& inner : packets) {
      OutboundSa sa(*engine, parameters(), seq);
      std::vector<std::uint8_t> buffer(kHeaderSize + inner.bytes.size() + kTrailerMax);
      std::copy(inner.bytes.begin(), inner.bytes.end(), buffer.begin() + kHeaderSize);
      buffer.resize(encrypt(*engine, sa, buffer.data(), inner.bytes.size(), inner.next_header));
      lines.push_back(std::to_string(seq) + " " + base::encode_hex(buffer));
      inners.push_back(&inner);
      above_two_to_the_32 |= seq > kTwo32;
    }
  }
  BOOST_TEST_REQUIRE(above_two_to_the_32);
  const auto output = run_scapy("decrypt", lines);
  for (std::size_t i = 0; i < output.size(); ++i) {
    BOOST_TEST(output[i] ==
               std::string(inners[i]->scapy_layer) + " " + base::encode_hex(inners[i]->bytes));
  }
}

BOOST_AUTO_TEST_CASE(scapy_rejects_a_tampered_gateway_packet) {
  // The harness itself must be able to fail: a flipped ciphertext bit makes
  // Scapy's decryption raise, so the script exits non-zero.
  auto engine = make_engine();
  const auto packets = inner_packets();
  OutboundSa sa(*engine, parameters());
  std::vector<std::uint8_t> buffer(kHeaderSize + packets[0].bytes.size() + kTrailerMax);
  std::copy(packets[0].bytes.begin(), packets[0].bytes.end(), buffer.begin() + kHeaderSize);
  buffer.resize(encrypt(*engine, sa, buffer.data(), packets[0].bytes.size(), kNextHeaderIpv4));
  buffer[kHeaderSize + 3] ^= 1;
  const SaParameters p = parameters();
  const std::string command = std::string("echo 1 ") + base::encode_hex(buffer) + " | " + kPython +
                              " " + STRAIT_SOURCE_DIR + "/conformance/scapy_esp.py decrypt --spi " +
                              std::to_string(p.spi) + " --key " + base::encode_hex(p.key) +
                              " --salt " + base::encode_hex(p.salt) + " > /dev/null 2>&1";
  const int status = std::system(command.c_str());
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) != 0));
}
