// Micro benchmark (not a test): nanoseconds per ESP encrypt and per
// encrypt + decrypt, in place, for 64- and 1400-byte inner packets.
//   esp_bench [iterations]   (default 2000000)

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "esp/engine.hpp"
#include "esp/security_association.hpp"
#include "esp/transform.hpp"

using namespace strait::esp;

namespace {

double nanoseconds_per(std::chrono::steady_clock::duration elapsed, std::uint64_t n) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
         static_cast<double>(n);
}

int run(Engine& engine, std::size_t inner_length, std::uint64_t iterations) {
  SaParameters parameters;
  parameters.spi = 0x1000;
  for (std::size_t i = 0; i < parameters.key.size(); ++i) {
    parameters.key[i] = static_cast<std::uint8_t>(i * 17 + 3);
  }
  parameters.salt = {1, 2, 3, 4};
  OutboundSa outbound(engine, parameters);
  InboundSa inbound(engine, parameters);
  std::vector<std::uint8_t> buffer(kHeaderSize + inner_length + kTrailerMax);
  for (std::size_t i = 0; i < inner_length; ++i) {
    buffer[kHeaderSize + i] = static_cast<std::uint8_t>(i);
  }

  // Encrypt only (re-encrypting the previous ciphertext: same work).
  auto start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < iterations; ++i) {
    encrypt(engine, outbound, buffer.data(), inner_length, kNextHeaderIpv4);
  }
  const double encrypt_ns = nanoseconds_per(std::chrono::steady_clock::now() - start, iterations);

  // Encrypt then decrypt (a fresh sequence number each time, so the window
  // accepts every packet).
  std::uint64_t failures = 0;
  start = std::chrono::steady_clock::now();
  for (std::uint64_t i = 0; i < iterations; ++i) {
    const std::size_t length =
        encrypt(engine, outbound, buffer.data(), inner_length, kNextHeaderIpv4);
    failures += decrypt(engine, inbound, buffer.data(), length).status != DecryptStatus::kOk;
  }
  const double both_ns = nanoseconds_per(std::chrono::steady_clock::now() - start, iterations);
  if (failures != 0) {
    std::fprintf(stderr, "esp_bench: %llu decryptions failed\n",
                 static_cast<unsigned long long>(failures));
    return 1;
  }
  std::printf("%5zu B: encrypt %7.1f ns/op, decrypt %7.1f ns/op, encrypt+decrypt %7.1f ns/op\n",
              inner_length, encrypt_ns, both_ns - encrypt_ns, both_ns);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  auto engine = Engine::create();
  if (!engine.ok()) {
    std::fprintf(stderr, "esp_bench: %s\n", engine.error().message.c_str());
    return 1;
  }
  std::printf("libipsec-mb %s, architecture %s, %llu iterations\n", IMB_VERSION_STR,
              engine.value()->architecture(), static_cast<unsigned long long>(iterations));
  for (const std::size_t length : {std::size_t{64}, std::size_t{1400}}) {
    if (run(*engine.value(), length, iterations) != 0) return 1;
  }
  return 0;
}
