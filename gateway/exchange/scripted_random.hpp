#pragma once
// Test double for base::Random: returns scripted byte strings in order (each
// fill() must ask for exactly the size of the next one), then falls back to
// a seeded generator. Lets tests inject the vectors' fixed ephemeral secret
// keys and responder nonces. Test and benchmark use only.

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <span>
#include <vector>

#include "base/random.hpp"

namespace strait::exchange {

class ScriptedRandom final : public base::Random {
 public:
  explicit ScriptedRandom(std::uint64_t fallback_seed = 1) : fallback_(fallback_seed) {}

  void push(std::span<const std::uint8_t> bytes) {
    script_.emplace_back(bytes.begin(), bytes.end());
  }
  std::size_t pending() const { return script_.size(); }
  std::size_t draws() const { return draws_; }

  void fill(std::span<std::uint8_t> out) override {
    ++draws_;
    if (script_.empty()) {
      fallback_.fill(out);
      return;
    }
    if (script_.front().size() != out.size()) std::abort();  // test out of step
    std::copy(script_.front().begin(), script_.front().end(), out.begin());
    script_.pop_front();
  }

 private:
  std::deque<std::vector<std::uint8_t>> script_;
  base::SeededRandom fallback_;
  std::size_t draws_ = 0;
};

}  // namespace strait::exchange
