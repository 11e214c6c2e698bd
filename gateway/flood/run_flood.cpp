#include "flood/run_flood.hpp"

#include <time.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>

#include "base/random.hpp"
#include "flood/packet_sender.hpp"

namespace strait::flood {

namespace {

constexpr std::size_t kMaxBatch = 256;

// Signed nanoseconds of CLOCK_MONOTONIC (differences may be negative).
std::int64_t monotonic_now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

void sleep_for(std::int64_t nanoseconds) {
  if (nanoseconds <= 0) return;
  const timespec t{static_cast<time_t>(nanoseconds / 1'000'000'000),
                   static_cast<long>(nanoseconds % 1'000'000'000)};
  nanosleep(&t, nullptr);
}

// The kind the next frame is of: the one furthest behind its share of the
// run (sent / requested smallest), so kinds stay interleaved throughout.
std::size_t next_kind(const std::vector<FloodReport::PerKind>& kinds,
                      const std::vector<std::uint64_t>& assigned) {
  std::size_t best = kinds.size();
  for (std::size_t k = 0; k < kinds.size(); ++k) {
    if (assigned[k] >= kinds[k].requested) continue;
    if (best == kinds.size() ||
        static_cast<double>(assigned[k]) / static_cast<double>(kinds[k].requested) <
            static_cast<double>(assigned[best]) / static_cast<double>(kinds[best].requested))
      best = k;
  }
  return best;
}

}  // namespace

base::Result<FloodReport> run_flood(const FloodOptions& options) {
  std::vector<Kind> kinds;
  for (const auto& [kind, count] : options.kinds)
    kinds.push_back(kind);
  if (kinds.empty()) return base::Error{"no kind of frame to send"};
  if (options.batch == 0 || options.batch > kMaxBatch)
    return base::Error{"the batch must hold 1 to 256 frames"};
  auto sender = PacketSender::open(options.ifname);
  if (!sender) return sender.error();
  Target target = options.target;
  if (!options.source_mac_given) target.source_mac = (*sender)->mac();
  if (const auto bad = check_target(target, kinds)) return base::Error{std::string(*bad)};

  std::vector<ForgedFrames> frames;
  FloodReport report;
  for (const auto& [kind, count] : options.kinds) {
    frames.emplace_back(target, kind);
    report.kinds.push_back({kind, count, 0});
  }
  std::uint64_t total = 0;
  for (const auto& k : report.kinds)
    total += k.requested;

  auto buffers = std::make_unique<std::array<std::uint8_t, kMaxFrameSize>[]>(options.batch);
  std::array<std::uint8_t*, kMaxBatch> pointers{};
  std::array<std::size_t, kMaxBatch> lengths{};
  std::array<std::size_t, kMaxBatch> kind_of{};
  for (std::size_t i = 0; i < options.batch; ++i)
    pointers[i] = buffers[i].data();
  std::vector<std::uint8_t> random(options.batch * kRandomPerFrame);
  base::SeededRandom generator(options.seed);
  std::vector<std::uint64_t> assigned(report.kinds.size(), 0);

  const std::int64_t start = monotonic_now();
  const std::int64_t deadline = start + static_cast<std::int64_t>(options.max_duration);
  while (report.sent < total) {
    const std::int64_t now = monotonic_now();
    if (now >= deadline) {
      report.timed_out = true;
      break;
    }
    std::size_t n = std::min<std::uint64_t>(options.batch, total - report.sent);
    if (options.rate > 0) {
      // Paced: the frames due by now, at most a batch; wait for the first
      // one when none is.
      const auto due = static_cast<std::uint64_t>(static_cast<double>(now - start) *
                                                  static_cast<double>(options.rate) / 1e9);
      if (due <= report.sent) {
        const auto next =
            start + static_cast<std::int64_t>(static_cast<double>(report.sent + n) * 1e9 /
                                              static_cast<double>(options.rate));
        sleep_for(std::min(next, deadline) - now);
        continue;
      }
      n = std::min<std::uint64_t>(n, due - report.sent);
    }
    generator.fill(std::span<std::uint8_t>(random.data(), n * kRandomPerFrame));
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t k = next_kind(report.kinds, assigned);
      kind_of[i] = k;
      lengths[i] = frames[k].write(pointers[i], assigned[k],
                                   std::span<const std::uint8_t, kRandomPerFrame>(
                                       random.data() + i * kRandomPerFrame, kRandomPerFrame));
      ++assigned[k];
    }
    auto sent = (*sender)->send(std::span<std::uint8_t* const>(pointers.data(), n),
                                std::span<const std::size_t>(lengths.data(), n));
    if (!sent) return sent.error();
    for (std::size_t i = 0; i < n; ++i) {
      if (i < *sent)
        ++report.kinds[kind_of[i]].sent;
      else
        --assigned[kind_of[i]];  // written again next time, same index
    }
    report.sent += *sent;
    if (*sent == 0) {
      ++report.refused_batches;
      sleep_for(20'000);  // 20 us: the device's queue drains
    }
  }
  report.elapsed = static_cast<base::Nanoseconds>(monotonic_now() - start);
  return report;
}

std::string format_report(const FloodReport& report, const std::string& ifname) {
  std::string out;
  char line[256];
  for (const auto& k : report.kinds) {
    std::snprintf(line, sizeof line, "flood: %s sent %llu of %llu\n",
                  std::string(kind_name(k.kind)).c_str(), static_cast<unsigned long long>(k.sent),
                  static_cast<unsigned long long>(k.requested));
    out += line;
  }
  std::snprintf(line, sizeof line, "flood: %llu frames in %.3f s (%.0f frames/s) out of %s%s\n",
                static_cast<unsigned long long>(report.sent),
                static_cast<double>(report.elapsed) / 1e9, report.rate(), ifname.c_str(),
                report.timed_out ? "; stopped at the time bound" : "");
  out += line;
  return out;
}

std::string format_report_json(const FloodReport& report) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer,
                "{\"sent\":%llu,\"seconds\":%.3f,\"rate\":%.0f,\"timed_out\":%s,"
                "\"refused_batches\":%llu,\"kinds\":{",
                static_cast<unsigned long long>(report.sent),
                static_cast<double>(report.elapsed) / 1e9, report.rate(),
                report.timed_out ? "true" : "false",
                static_cast<unsigned long long>(report.refused_batches));
  std::string out = buffer;
  for (std::size_t i = 0; i < report.kinds.size(); ++i) {
    const auto& k = report.kinds[i];
    std::snprintf(buffer, sizeof buffer, "%s\"%s\":{\"requested\":%llu,\"sent\":%llu}",
                  i == 0 ? "" : ",", std::string(kind_name(k.kind)).c_str(),
                  static_cast<unsigned long long>(k.requested),
                  static_cast<unsigned long long>(k.sent));
    out += buffer;
  }
  out += "}}\n";
  return out;
}

}  // namespace strait::flood
