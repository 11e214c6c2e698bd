// Micro benchmark (not a test): complete vita-ske v5 exchanges per second on
// one core, both roles in this thread: knock, challenge, proposal,
// agreement, and both SA pairs derived (3 X25519 scalar multiplications and
// 2 DH per exchange, plus the hashing and AES-GCM).
//
//   exchange_bench [seconds]   (default 2)

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "base/random.hpp"
#include "exchange/aes_gcm.hpp"
#include "exchange/initiator.hpp"
#include "exchange/responder.hpp"

using namespace strait;
using namespace strait::exchange;

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  if (!aes_gcm_available()) {
    std::fprintf(stderr, "AES-256-GCM unavailable (no AES-NI): key exchange unsupported\n");
    return 1;
  }
  std::array<std::uint8_t, 32> psk{};
  psk.fill(0x5a);
  base::SystemRandom random_i, random_r;
  const auto a = *net::Address::parse("192.0.2.2");
  const auto b = *net::Address::parse("192.0.2.1");
  Initiator initiator(1001, psk, a, b, random_i);
  Responder responder(1001, psk, b, a, random_r);

  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::uint64_t exchanges = 0;
  std::uint32_t check = 0;
  while (Clock::now() < end) {
    for (int i = 0; i < 64; ++i) {
      auto challenge = responder.on_knock(initiator.knock());
      auto proposal = initiator.on_challenge(challenge.value(), 4242);
      auto agreement = responder.on_proposal(proposal.value(), 256);
      auto sas = initiator.on_agreement(agreement.value().payload);
      if (!sas.ok()) {
        std::fprintf(stderr, "exchange failed\n");
        return 1;
      }
      check ^= sas->inbound.key[0];
      ++exchanges;
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("exchanges: %llu in %.2f s: %.0f exchanges/s (%.1f us each, both roles) [%u]\n",
              static_cast<unsigned long long>(exchanges), elapsed,
              static_cast<double>(exchanges) / elapsed,
              elapsed * 1e6 / static_cast<double>(exchanges), check & 0);
  return 0;
}
