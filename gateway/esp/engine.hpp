#pragma once
// One libipsec-mb manager per worker thread, initialised for the best
// instruction set the CPU offers (runtime dispatch: SSE, AVX, AVX2, AVX-512
// with VAES). Not thread-safe; never shared between workers.

#include <intel-ipsec-mb.h>

#include <memory>

#include "base/result.hpp"

namespace strait::esp {

class Engine {
 public:
  static base::Result<std::unique_ptr<Engine>> create();
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  IMB_MGR* manager() noexcept { return manager_; }
  const char* architecture() const noexcept;  // "avx512", "avx2", ...

 private:
  explicit Engine(IMB_MGR* manager, IMB_ARCH arch) : manager_(manager), arch_(arch) {}
  IMB_MGR* manager_;
  IMB_ARCH arch_;
};

}  // namespace strait::esp
