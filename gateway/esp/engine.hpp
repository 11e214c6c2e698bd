#pragma once
// One libipsec-mb manager per worker thread. libipsec-mb has a code path per
// instruction set (init_mb_mgr_sse / _avx / _avx2 / _avx512; the AVX-512
// one uses VAES and VPCLMULQDQ where the CPU has them), and the widest is
// not always the fastest for short packets. The first Engine::create() of
// a process measures every path this CPU runs (calibration(): about a
// millisecond) and every engine of the process then uses the fastest.
// STRAIT_ESP=sse|avx|avx2|avx512 forces one instead (a path the CPU lacks
// is an error). All paths give the same bytes; a GCM key schedule
// (gcm_key_data) is laid out for the path that built it, so an SA is
// only ever used with the engine that precomputed it. Not thread-safe;
// never shared between workers.

#include <intel-ipsec-mb.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace strait::esp {

// "sse", "avx", "avx2", "avx512" (the init_mb_mgr_<name> it uses), "none".
const char* architecture_name(IMB_ARCH arch) noexcept;

// What the calibration measured: for each path this CPU runs, the time of
// an ESP encrypt + decrypt (esp::encrypt / esp::decrypt, one SA, in place)
// averaged over the IMIX mix of inner sizes (50, 580, 1504 bytes, 7:4:1),
// and at 50 and 1504 bytes alone; the best of several interleaved rounds.
struct PathTiming {
  IMB_ARCH arch = IMB_ARCH_NONE;
  double imix_ns = 0;   // per packet, the mix
  double small_ns = 0;  // 50-byte inner packet (a 64-byte frame)
  double large_ns = 0;  // 1504-byte inner packet (a 1518-byte frame)
};
struct Calibration {
  IMB_ARCH chosen = IMB_ARCH_NONE;
  bool forced = false;            // by STRAIT_ESP
  std::vector<PathTiming> paths;  // every path the CPU runs (none when forced)
  double milliseconds = 0;        // the calibration's own time
  std::string error;              // set when no path could be used
};
// Measured once per process, on first use (thread-safe).
const Calibration& calibration();

class Engine {
 public:
  // An engine on the calibrated path.
  static base::Result<std::unique_ptr<Engine>> create();
  // An engine on a given path (calibration, tests, the benchmark).
  static base::Result<std::unique_ptr<Engine>> create(IMB_ARCH arch);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  IMB_MGR* manager() noexcept { return manager_; }
  IMB_ARCH arch() const noexcept { return arch_; }
  const char* architecture() const noexcept { return architecture_name(arch_); }
  // The 64-byte lines of a gcm_key_data laid out by this engine that a
  // short packet reads (bit i: line i; esp::prefetch_key): the AES round
  // keys (lines 0-3) and the lowest powers of the hash key, which the
  // SSE / AVX layout keeps in lines 3-7 (with their Karatsuba halves), the
  // AVX2 / AVX-512 one in lines 3-5, and the VAES one (48 powers, highest
  // first) in lines 13-15.
  std::uint32_t key_lines() const noexcept { return key_lines_; }

 private:
  Engine(IMB_MGR* manager, IMB_ARCH arch);
  IMB_MGR* manager_;
  IMB_ARCH arch_;
  std::uint32_t key_lines_;
};

}  // namespace strait::esp
