#include "esp/engine.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <span>

#include <time.h>
#include <string_view>

#include "esp/security_association.hpp"
#include "esp/transform.hpp"

namespace strait::esp {

namespace {

constexpr std::array<IMB_ARCH, 4> kPaths = {IMB_ARCH_SSE, IMB_ARCH_AVX, IMB_ARCH_AVX2,
                                            IMB_ARCH_AVX512};

// The CPU features each init_mb_mgr_<path> needs (intel-ipsec-mb.h).
std::uint64_t required_features(IMB_ARCH arch) noexcept {
  switch (arch) {
    case IMB_ARCH_SSE:
      return IMB_CPUFLAGS_SSE;
    case IMB_ARCH_AVX:
      return IMB_CPUFLAGS_AVX;
    case IMB_ARCH_AVX2:
      return IMB_CPUFLAGS_AVX2;
    case IMB_ARCH_AVX512:
      return IMB_CPUFLAGS_AVX512;
    default:
      return ~std::uint64_t{0};
  }
}

void initialise(IMB_MGR* manager, IMB_ARCH arch) noexcept {
  switch (arch) {
    case IMB_ARCH_SSE:
      init_mb_mgr_sse(manager);
      break;
    case IMB_ARCH_AVX:
      init_mb_mgr_avx(manager);
      break;
    case IMB_ARCH_AVX2:
      init_mb_mgr_avx2(manager);
      break;
    case IMB_ARCH_AVX512:
      init_mb_mgr_avx512(manager);
      break;
    default:
      break;
  }
}

// One path's SA pair and packet buffer for the calibration.
class Probe {
 public:
  static std::unique_ptr<Probe> create(IMB_ARCH arch) {
    auto engine = Engine::create(arch);
    if (!engine) return nullptr;
    return std::unique_ptr<Probe>(new Probe(std::move(engine).value()));
  }
  IMB_ARCH arch() const noexcept { return engine_->arch(); }

  // Nanoseconds per encrypt + decrypt over `sizes`, `repeat` times.
  double run(std::span<const std::size_t> sizes, int repeat) noexcept {
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t failures = 0;
    for (int r = 0; r < repeat; ++r)
      for (const std::size_t inner : sizes) {
        const std::size_t length =
            encrypt(*engine_, *outbound_, buffer_.data(), inner, kNextHeaderIpv4);
        failures +=
            decrypt(*engine_, *inbound_, buffer_.data(), length).status != DecryptStatus::kOk;
      }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    if (failures != 0) return 1e18;  // never chosen
    return static_cast<double>(
               std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()) /
           static_cast<double>(sizes.size() * static_cast<std::size_t>(repeat));
  }

 private:
  explicit Probe(std::unique_ptr<Engine> engine) : engine_(std::move(engine)) {
    SaParameters parameters;
    parameters.spi = 0x1000;
    for (std::size_t i = 0; i < parameters.key.size(); ++i)
      parameters.key[i] = static_cast<std::uint8_t>(i * 29 + 5);
    parameters.salt = {9, 8, 7, 6};
    outbound_ = std::make_unique<OutboundSa>(*engine_, parameters);
    inbound_ = std::make_unique<InboundSa>(*engine_, parameters);
    for (std::size_t i = 0; i < buffer_.size(); ++i)
      buffer_[i] = static_cast<std::uint8_t>(i);
  }

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<OutboundSa> outbound_;
  std::unique_ptr<InboundSa> inbound_;
  alignas(64) std::array<std::uint8_t, kHeaderSize + 1504 + kTrailerMax + 64> buffer_{};
};

Calibration calibrate() {
  Calibration c;
  if (const char* forced = std::getenv("STRAIT_ESP");
      forced != nullptr && *forced != '\0' && std::string_view(forced) != "auto") {
    for (const IMB_ARCH arch : kPaths)
      if (std::string_view(forced) == architecture_name(arch)) c.chosen = arch;
    c.forced = true;
    if (c.chosen == IMB_ARCH_NONE)
      c.error = std::string("STRAIT_ESP=") + forced + ": not one of sse, avx, avx2, avx512, auto";
    return c;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Probe>> probes;
  for (const IMB_ARCH arch : kPaths)
    if (auto probe = Probe::create(arch)) probes.push_back(std::move(probe));
  if (probes.empty()) {
    // No AES-NI path: let libipsec-mb pick what it can (its no-AES-NI one).
    c.chosen = IMB_ARCH_NONE;
    return c;
  }
  static constexpr std::size_t kImix[] = {50, 50, 580, 50, 50, 580, 50, 50, 580, 50, 580, 1504};
  static constexpr std::size_t kSmall[] = {50};
  static constexpr std::size_t kLarge[] = {1504};
  c.paths.resize(probes.size());
  for (std::size_t i = 0; i < probes.size(); ++i) {
    c.paths[i].arch = probes[i]->arch();
    c.paths[i].imix_ns = c.paths[i].small_ns = c.paths[i].large_ns = 1e18;
    probes[i]->run(kImix, 4);  // warm-up: code and key schedule in cache
  }
  // Short samples (a few microseconds each) in interleaved rounds, the
  // best of each: a sample the scheduler interrupted is discarded, and a
  // path is not penalised for a moment when the machine was busy. Bounded
  // to 4 ms of this thread's CPU time (and 50 ms of wall time on a
  // machine too busy to give it that).
  const auto cpu_time = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
  };
  const double cpu_start = cpu_time();
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    for (std::size_t i = 0; i < probes.size(); ++i) {
      PathTiming& t = c.paths[i];
      t.imix_ns = std::min(t.imix_ns, probes[i]->run(kImix, 1));
      t.small_ns = std::min(t.small_ns, probes[i]->run(kSmall, 8));
      t.large_ns = std::min(t.large_ns, probes[i]->run(kLarge, 2));
    }
    if (round >= 4 && (cpu_time() - cpu_start > 4 ||
                       std::chrono::steady_clock::now() - start > std::chrono::milliseconds(50)))
      break;
  }
  const auto best =
      std::min_element(c.paths.begin(), c.paths.end(),
                       [](const auto& a, const auto& b) { return a.imix_ns < b.imix_ns; });
  c.chosen = best->arch;
  c.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return c;
}

}  // namespace

const char* architecture_name(IMB_ARCH arch) noexcept {
  switch (arch) {
    case IMB_ARCH_NOAESNI:
      return "noaesni";
    case IMB_ARCH_SSE:
      return "sse";
    case IMB_ARCH_AVX:
      return "avx";
    case IMB_ARCH_AVX2:
      return "avx2";
    case IMB_ARCH_AVX512:
      return "avx512";
    default:
      return "none";
  }
}

const Calibration& calibration() {
  static std::once_flag once;
  static Calibration c;
  std::call_once(once, [] { c = calibrate(); });
  return c;
}

base::Result<std::unique_ptr<Engine>> Engine::create() {
  const Calibration& c = calibration();
  if (!c.error.empty()) return base::Error{"libipsec-mb: " + c.error};
  if (c.chosen != IMB_ARCH_NONE) return create(c.chosen);
  // No AES-NI path on this CPU: whatever libipsec-mb finds.
  IMB_MGR* manager = alloc_mb_mgr(0);
  if (manager == nullptr) return base::Error{"libipsec-mb: cannot allocate a multi-buffer manager"};
  IMB_ARCH arch = IMB_ARCH_NONE;
  init_mb_mgr_auto(manager, &arch);
  const int error = imb_get_errno(manager);
  if (error != 0 || arch == IMB_ARCH_NONE) {
    std::string message = "libipsec-mb: cannot initialise a manager for this CPU: ";
    message += error != 0 ? imb_get_strerror(error) : "no usable architecture";
    free_mb_mgr(manager);
    return base::Error{std::move(message)};
  }
  return std::unique_ptr<Engine>(new Engine(manager, arch));
}

base::Result<std::unique_ptr<Engine>> Engine::create(IMB_ARCH arch) {
  IMB_MGR* manager = alloc_mb_mgr(0);
  if (manager == nullptr) return base::Error{"libipsec-mb: cannot allocate a multi-buffer manager"};
  const std::uint64_t needed = required_features(arch);
  if ((manager->features & needed) != needed) {
    free_mb_mgr(manager);
    return base::Error{std::string("libipsec-mb: this CPU cannot run the ") +
                       architecture_name(arch) +
                       " code path (unset STRAIT_ESP, or choose another one)"};
  }
  initialise(manager, arch);
  if (const int error = imb_get_errno(manager); error != 0) {
    std::string message = std::string("libipsec-mb: cannot initialise the ") +
                          architecture_name(arch) + " code path: " + imb_get_strerror(error);
    free_mb_mgr(manager);
    return base::Error{std::move(message)};
  }
  return std::unique_ptr<Engine>(new Engine(manager, arch));
}

Engine::Engine(IMB_MGR* manager, IMB_ARCH arch) : manager_(manager), arch_(arch) {
  // intel-ipsec-mb's gcm_keys_*.asm: where each path keeps its hash keys.
  constexpr std::uint64_t kVaes = IMB_FEATURE_VAES | IMB_FEATURE_VPCLMULQDQ;
  if (arch == IMB_ARCH_AVX512 && (manager->features & kVaes) == kVaes)
    key_lines_ = 0xf | 0x7 << 13;  // HashKey^1..^11 at bytes 832-1007
  else if (arch == IMB_ARCH_AVX2 || arch == IMB_ARCH_AVX512)
    key_lines_ = 0x3f;  // HashKey^8..^1 at bytes 240-367
  else
    key_lines_ = 0xff;  // and their Karatsuba halves up to byte 495
}

Engine::~Engine() {
  free_mb_mgr(manager_);
}

}  // namespace strait::esp
