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

// A probability as a percentage: "2", "0.1".
std::string percent(double probability) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", probability * 100);
  return text;
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
  std::string text = "delay " + milliseconds(profile.delay) + " ms, jitter " +
                     milliseconds(profile.jitter) + " ms, loss " + percent(profile.loss) +
                     " %, rate ";
  if (profile.rate == 0) {
    text += "unlimited";
  } else {
    char rate[32];
    std::snprintf(rate, sizeof rate, "%g Mbit/s", static_cast<double>(profile.rate) / 1e6);
    text += rate;
    text += ", backlog " + milliseconds(profile.max_backlog) + " ms";
  }
  text += ", mtu " + (profile.mtu == 0 ? std::string("any") : std::to_string(profile.mtu));
  // The newer impairments only when set: the text above stays as it was.
  if (profile.burst_enter > 0)
    text += ", burst enter " + percent(profile.burst_enter) + " % leave " +
            percent(profile.burst_leave) + " % loss " + percent(profile.burst_loss) + " %";
  if (profile.reorder > 0 && profile.reorder_delay > 0)
    text += ", reorder " + percent(profile.reorder) + " % by " +
            milliseconds(profile.reorder_delay) + " ms";
  if (profile.duplicate > 0) text += ", duplicate " + percent(profile.duplicate) + " %";
  if (profile.corrupt > 0) text += ", corrupt " + percent(profile.corrupt) + " %";
  return text;
}

}  // namespace strait::wan
