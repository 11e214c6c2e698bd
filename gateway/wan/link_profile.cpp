#include "wan/link_profile.hpp"

#include <cstdio>

namespace strait::wan {

namespace {

constexpr std::uint32_t kInternetMtu = 1500;

// Milliseconds with up to three decimals, trailing zeros dropped.
std::string milliseconds(base::Nanoseconds ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ns) / 1e6);
  std::string s = text;
  while (s.back() == '0')
    s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

std::optional<LinkProfile> named_profile(std::string_view name) {
  LinkProfile profile;
  profile.mtu = kInternetMtu;
  if (name == "lan") return profile;
  if (name == "paris-tokyo") {
    profile.delay = 110 * base::kMillisecond;
    profile.jitter = 1 * base::kMillisecond;
    profile.rate = 10'000'000'000ull;
    return profile;
  }
  if (name == "lossy") {
    profile.delay = 20 * base::kMillisecond;
    profile.loss = 0.02;
    return profile;
  }
  return std::nullopt;
}

std::string_view profile_names() noexcept {
  return "lan, paris-tokyo, lossy";
}

std::string describe(const LinkProfile& profile) {
  char loss[32];
  std::snprintf(loss, sizeof loss, "%g", profile.loss * 100);
  std::string text = "delay " + milliseconds(profile.delay) + " ms, jitter " +
                     milliseconds(profile.jitter) + " ms, loss " + loss + " %, rate ";
  if (profile.rate == 0) {
    text += "unlimited";
  } else {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g Mbit/s", static_cast<double>(profile.rate) / 1e6);
    text += rate;
    text += ", backlog " + milliseconds(profile.max_backlog) + " ms";
  }
  text += ", mtu " + (profile.mtu == 0 ? std::string("any") : std::to_string(profile.mtu));
  return text;
}

}  // namespace strait::wan
