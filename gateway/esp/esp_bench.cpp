// Micro benchmark (not a test): for every libipsec-mb code path this CPU
// runs, nanoseconds per ESP encrypt and per encrypt + decrypt, in place,
// for 64- and 1400-byte inner packets; and, to see whether batching pays,
// the bare AES-128-GCM encryption of 64 bytes through the direct API (what
// esp::encrypt calls), the job API one job at a time, and the burst API
// 32 jobs per call.
//   esp_bench [iterations]   (default 2000000)

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "esp/engine.hpp"
#include "esp/security_association.hpp"
#include "esp/transform.hpp"

using namespace strait::esp;

namespace {

double thread_cpu_ns() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e9 + static_cast<double>(t.tv_nsec);
}

// Nanoseconds of this thread's CPU time per call of f(i), the best of 5
// runs of n / 5 calls (a shared machine: another process's turn on the
// core is not counted, and a disturbed run is not taken).
template <class F>
double best_ns_per(std::uint64_t n, F&& f) {
  const std::uint64_t each = n / 5 > 0 ? n / 5 : 1;
  double best = 1e18;
  for (int run = 0; run < 5; ++run) {
    const double start = thread_cpu_ns();
    for (std::uint64_t i = 0; i < each; ++i)
      f(i);
    best = std::min(best, (thread_cpu_ns() - start) / static_cast<double>(each));
  }
  return best;
}

SaParameters test_parameters() {
  SaParameters parameters;
  parameters.spi = 0x1000;
  for (std::size_t i = 0; i < parameters.key.size(); ++i)
    parameters.key[i] = static_cast<std::uint8_t>(i * 17 + 3);
  parameters.salt = {1, 2, 3, 4};
  return parameters;
}

int run(Engine& engine, std::size_t inner_length, std::uint64_t iterations) {
  const SaParameters parameters = test_parameters();
  OutboundSa outbound(engine, parameters);
  InboundSa inbound(engine, parameters);
  std::vector<std::uint8_t> buffer(kHeaderSize + inner_length + kTrailerMax);
  for (std::size_t i = 0; i < inner_length; ++i)
    buffer[kHeaderSize + i] = static_cast<std::uint8_t>(i);

  // Encrypt only (re-encrypting the previous ciphertext: same work).
  const double encrypt_ns = best_ns_per(iterations, [&](std::uint64_t) {
    encrypt(engine, outbound, buffer.data(), inner_length, kNextHeaderIpv4);
  });

  // Encrypt then decrypt (a fresh sequence number each time, so the window
  // accepts every packet).
  std::uint64_t failures = 0;
  const double both_ns = best_ns_per(iterations, [&](std::uint64_t) {
    const std::size_t length =
        encrypt(engine, outbound, buffer.data(), inner_length, kNextHeaderIpv4);
    failures += decrypt(engine, inbound, buffer.data(), length).status != DecryptStatus::kOk;
  });
  if (failures != 0) {
    std::fprintf(stderr, "esp_bench: %llu decryptions failed\n",
                 static_cast<unsigned long long>(failures));
    return 1;
  }
  std::printf("  %5zu B: encrypt %7.1f ns/op, decrypt %7.1f ns/op, encrypt+decrypt %7.1f ns/op\n",
              inner_length, encrypt_ns, both_ns - encrypt_ns, both_ns);
  return 0;
}

// Bare AES-128-GCM encryption of `length` bytes with a 12-byte AAD, three
// ways. Returns 1 if libipsec-mb refused the jobs.
int compare_apis(Engine& engine, std::size_t length, std::uint64_t iterations) {
  constexpr std::size_t kBurst = 32;
  IMB_MGR* manager = engine.manager();
  const SaParameters parameters = test_parameters();
  OutboundSa sa(engine, parameters);
  const gcm_key_data& key = sa.key();
  std::vector<std::uint8_t> data(kBurst * (length + 64), 0x5a);
  std::uint8_t iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  std::uint8_t aad[12] = {0};
  std::uint8_t tags[kBurst][16];
  iterations -= iterations % (5 * kBurst);

  const double direct_ns = best_ns_per(iterations, [&](std::uint64_t i) {
    std::uint8_t* p = data.data() + (i % kBurst) * (length + 64);
    gcm_context_data context;
    IMB_AES128_GCM_ENC(manager, &key, &context, p, p, length, iv, aad, sizeof aad, tags[i % kBurst],
                       16);
  });

  const auto fill = [&](IMB_JOB* job, std::size_t slot) {
    std::uint8_t* p = data.data() + slot * (length + 64);
    job->cipher_mode = IMB_CIPHER_GCM;
    job->hash_alg = IMB_AUTH_AES_GMAC;
    job->cipher_direction = IMB_DIR_ENCRYPT;
    job->chain_order = IMB_ORDER_CIPHER_HASH;
    job->enc_keys = &key;
    job->dec_keys = &key;
    job->key_len_in_bytes = IMB_KEY_128_BYTES;
    job->src = p;
    job->dst = p;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = length;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = length;
    job->iv = iv;
    job->iv_len_in_bytes = 12;
    job->u.GCM.aad = aad;
    job->u.GCM.aad_len_in_bytes = sizeof aad;
    job->auth_tag_output = tags[slot];
    job->auth_tag_output_len_in_bytes = 16;
  };

  std::uint64_t completed = 0;
  const double job_ns = best_ns_per(iterations, [&](std::uint64_t i) {
    IMB_JOB* job = IMB_GET_NEXT_JOB(manager);
    fill(job, i % kBurst);
    for (job = IMB_SUBMIT_JOB(manager); job != nullptr; job = IMB_GET_COMPLETED_JOB(manager))
      completed += job->status == IMB_STATUS_COMPLETED;
  });
  while (IMB_JOB* job = IMB_FLUSH_JOB(manager))
    completed += job->status == IMB_STATUS_COMPLETED;
  if (completed != iterations / 5 * 5) {
    std::fprintf(stderr, "esp_bench: job API: %llu of %llu completed (%s)\n",
                 static_cast<unsigned long long>(completed),
                 static_cast<unsigned long long>(iterations),
                 imb_get_strerror(imb_get_errno(manager)));
    return 1;
  }

  completed = 0;
  const double burst_ns = best_ns_per(iterations / kBurst,
                                      [&](std::uint64_t) {
                                        IMB_JOB* jobs[kBurst];
                                        std::uint32_t n = IMB_GET_NEXT_BURST(manager, kBurst, jobs);
                                        if (n < kBurst) {
                                          IMB_FLUSH_BURST(manager, kBurst, jobs);
                                          n = IMB_GET_NEXT_BURST(manager, kBurst, jobs);
                                        }
                                        for (std::size_t j = 0; j < n; ++j)
                                          fill(jobs[j], j);
                                        const std::uint32_t done =
                                            IMB_SUBMIT_BURST(manager, n, jobs);
                                        for (std::uint32_t j = 0; j < done; ++j)
                                          completed += jobs[j]->status == IMB_STATUS_COMPLETED;
                                      }) /
                          kBurst;
  {
    IMB_JOB* jobs[kBurst];
    for (std::uint32_t n; (n = IMB_FLUSH_BURST(manager, kBurst, jobs)) != 0;)
      for (std::uint32_t j = 0; j < n; ++j)
        completed += jobs[j]->status == IMB_STATUS_COMPLETED;
  }
  if (completed != iterations / kBurst / 5 * 5 * kBurst) {
    std::printf(
        "  GCM encrypt %zu B: direct API %.1f ns, job API %.1f ns; burst API refused "
        "(%llu of %llu completed: %s)\n",
        length, direct_ns, job_ns, static_cast<unsigned long long>(completed),
        static_cast<unsigned long long>(iterations), imb_get_strerror(imb_get_errno(manager)));
    return 0;
  }
  std::printf(
      "  GCM encrypt %zu B: direct API %.1f ns, job API %.1f ns, burst API (%zu a call) "
      "%.1f ns per packet\n",
      length, direct_ns, job_ns, kBurst, burst_ns);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t iterations = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  const Calibration& c = calibration();
  if (!c.error.empty()) {
    std::fprintf(stderr, "esp_bench: %s\n", c.error.c_str());
    return 1;
  }
  std::printf("libipsec-mb %s, %llu iterations; the calibration chose %s in %.2f ms\n",
              IMB_VERSION_STR, static_cast<unsigned long long>(iterations),
              architecture_name(c.chosen), c.milliseconds);
  for (const PathTiming& t : c.paths) {
    auto engine = Engine::create(t.arch);
    if (!engine.ok()) {
      std::fprintf(stderr, "esp_bench: %s\n", engine.error().message.c_str());
      return 1;
    }
    std::printf("%s (calibration: IMIX %.1f, 64-byte frame %.1f, 1518-byte frame %.1f ns)\n",
                architecture_name(t.arch), t.imix_ns, t.small_ns, t.large_ns);
    for (const std::size_t length : {std::size_t{64}, std::size_t{1400}})
      if (run(*engine.value(), length, iterations) != 0) return 1;
    for (const std::size_t length : {std::size_t{64}, std::size_t{1400}})
      if (compare_apis(*engine.value(), length, iterations) != 0) return 1;
  }
  return 0;
}
