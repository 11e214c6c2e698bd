#include "esp/engine.hpp"

#include <string>

namespace strait::esp {

base::Result<std::unique_ptr<Engine>> Engine::create() {
  IMB_MGR* manager = alloc_mb_mgr(0);
  if (manager == nullptr) {
    return base::Error{"libipsec-mb: cannot allocate a multi-buffer manager"};
  }
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

Engine::~Engine() {
  free_mb_mgr(manager_);
}

const char* Engine::architecture() const noexcept {
  switch (arch_) {
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

}  // namespace strait::esp
