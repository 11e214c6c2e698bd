#pragma once
// Building a gateway costs several times what one input does with it (the
// route tables alone are four 256 KiB tries), so the targets that drive a
// gateway keep it for a run of inputs: a State is built for an input whose
// selector (first byte) differs from the last one's, and after every
// STRAIT_FUZZ_REUSE inputs (default 16; 1: a fresh state for each input,
// what an input's replay alone is then exactly).
//
// An input may so depend on those before it since the state was built. To
// replay a failure whatever it took, the inputs of the current state are
// kept, and written when the process dies of a failed property or a
// sanitizer report: to $STRAIT_FUZZ_HISTORY (run.sh: the artifacts folder
// of the target) as history-PID-NN, in order. Replay them in that order in
// one process:
//
//   build-fuzz/fuzz/fuzz_public_input history-1234-*
//
// (libFuzzer runs file arguments in the order given).

#include <sanitizer/common_interface_defs.h>

#include <unistd.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_check.hpp"

namespace strait::fuzz {

namespace detail {

inline std::vector<std::vector<std::uint8_t>>& history() {
  static std::vector<std::vector<std::uint8_t>> h;
  return h;
}

inline void write_history() {
  const char* directory = std::getenv("STRAIT_FUZZ_HISTORY");
  const std::string prefix =
      std::string(directory ? directory : ".") + "/history-" + std::to_string(getpid()) + "-";
  const auto& h = history();
  for (std::size_t i = 0; i < h.size(); ++i) {
    char number[8];
    std::snprintf(number, sizeof number, "%02zu", i);
    if (std::FILE* f = std::fopen((prefix + number).c_str(), "wb")) {
      std::fwrite(h[i].data(), 1, h[i].size(), f);
      std::fclose(f);
    }
  }
  std::fprintf(stderr, "fuzz: the %zu inputs this state ran are in %s*; replay them in order\n",
               h.size(), prefix.c_str());
}

inline std::size_t reuse() {
  static const std::size_t n = [] {
    const char* text = std::getenv("STRAIT_FUZZ_REUSE");
    const long v = text ? std::atol(text) : 16;
    return static_cast<std::size_t>(v < 1 ? 1 : v);
  }();
  return n;
}

}  // namespace detail

// The failure path of fuzz_check.hpp's fail() and the sanitizers' death
// callback.
inline void dump_history() {
  static bool done = false;
  if (done) return;
  done = true;
  detail::write_history();
}

template <class State>
class Persistent {
 public:
  Persistent() {
    __sanitizer_set_death_callback(dump_history);
    on_failure = dump_history;
  }

  // The state for this input, built by make() when due.
  template <class Make>
  State& get(const std::uint8_t* data, std::size_t size, Make&& make) {
    const std::uint8_t selector = size > 0 ? data[0] : 0;
    auto& h = detail::history();
    if (!state_ || selector != selector_ || used_ >= detail::reuse()) {
      state_.reset();  // its destructor's checks run with its inputs in the history
      h.clear();
      state_ = make();
      selector_ = selector;
      used_ = 0;
    }
    ++used_;
    h.emplace_back(data, data + size);
    return *state_;
  }

 private:
  std::unique_ptr<State> state_;
  std::uint8_t selector_ = 0;
  std::size_t used_ = 0;
};

}  // namespace strait::fuzz
