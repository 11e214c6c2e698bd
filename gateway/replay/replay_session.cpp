#include "replay/replay_session.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "base/log.hpp"
#include "base/random.hpp"
#include "config/load.hpp"
#include "daemon/queue_bindings.hpp"
#include "net/headers.hpp"
#include "replay/state_files.hpp"
#include "worker/worker.hpp"

namespace strait::replay {

namespace {

constexpr std::size_t kBurst = worker::Worker::kBurst;
// Rounds one instant may take before the session calls it a loop.
constexpr int kMaxRoundsPerInstant = 100'000;
// Frames of the capture pool: one read ahead per input, a burst in hand.
constexpr std::size_t kCaptureFrames = 4 * kBurst;
constexpr std::size_t kCaptureFrameSize = 16384;

bool is_esp(const io::Packet& p) noexcept {
  if (p.length < net::kEthernetHeaderSize + net::kIpv4HeaderSize) return false;
  const std::uint16_t type = net::load16(p.data + 12);
  const std::uint8_t* ip = p.data + net::kEthernetHeaderSize;
  if (type == net::kEthertypeIpv4) return ip[9] == net::kProtocolEsp;
  return type == net::kEthertypeIpv6 && p.length >= net::kEthernetHeaderSize + 40 &&
         ip[6] == net::kProtocolEsp;
}

base::Nanoseconds next_time(io::PcapPort* input) noexcept {
  return input ? input->next_frame_time() : base::kNever;
}

}  // namespace

ReplaySession::ReplaySession(const ReplayOptions& options) : options_(options) {}

ReplaySession::~ReplaySession() {
  base::set_log_clock(nullptr);
}

base::Result<std::unique_ptr<ReplaySession>> ReplaySession::open(const ReplayOptions& options) {
  auto config = config::load_file(options.config_path);
  if (!config) return config.error();
  std::unique_ptr<ReplaySession> session(new ReplaySession(options));
  std::error_code error;
  std::filesystem::create_directories(options.out_dir, error);
  if (error)
    return base::Error{options.out_dir + ": cannot create the directory: " + error.message()};

  // The captures first: the gateway is built at the first frame's time.
  auto pool = io::FramePool::create(kCaptureFrameSize, kCaptureFrames);
  if (!pool) return pool.error();
  session->capture_pool_ = std::move(pool).value();
  const auto open_capture = [&](const std::string& input, const std::string& output,
                                std::unique_ptr<io::PcapPort>& into) -> base::Status {
    if (input.empty() && output.empty()) return base::Ok{};
    auto port = io::PcapPort::open(*session->capture_pool_, input, output, session->clock_,
                                   io::PcapPort::Pacing::kTimestamps);
    if (!port) return port.error();
    into = std::move(port).value();
    return base::Ok{};
  };
  const std::filesystem::path out(options.out_dir);
  for (auto status : {open_capture(options.private_in, "", session->private_in_),
                      open_capture(options.public_in, "", session->public_in_),
                      open_capture("", (out / "private-out.pcap").string(), session->private_out_),
                      open_capture("", (out / "public-out.pcap").string(), session->public_out_)})
    if (!status) return status.error();
  const base::Nanoseconds first =
      std::min(next_time(session->private_in_.get()), next_time(session->public_in_.get()));
  for (io::PcapPort* input : {session->private_in_.get(), session->public_in_.get()})
    if (input && input->input_state() == io::PcapPort::InputState::kFailed)
      return base::Error{
          (input == session->private_in_.get() ? options.private_in : options.public_in) + ": " +
          std::string(input->input_error())};
  session->clock_.set(first == base::kNever ? 0 : first);
  // The gateway's log lines carry virtual time.
  base::set_log_clock(&session->clock_);

  if (auto built = session->build(*config); !built) return built.error();
  return session;
}

base::Status ReplaySession::build(const config::GatewayConfig& config) {
  auto bindings =
      daemon::bindings_of(config, options_.config_path, daemon::InterfaceNames::kInMemory);
  if (!bindings) return bindings.error();
  std::sort(bindings->begin(), bindings->end(),
            [](const auto& a, const auto& b) { return a.queue < b.queue; });
  daemon::QueueFactory::Options factory_options;
  const std::uint64_t seed = options_.seed;
  // Per queue: the seed and the queue id.
  factory_options.random = [seed](std::uint16_t queue) {
    return std::make_unique<base::SeededRandom>(seed ^ (std::uint64_t{queue} << 48));
  };
  factory_options.static_sa_initial_sequence = options_.initial_seq;
  const daemon::QueueFactory factory(backend_, clock_, std::move(factory_options));
  for (const auto& binding : *bindings) {
    auto queue = factory.build_stepped(config, binding, &private_neighbor_);
    if (!queue)
      return base::Error{"queue " + std::to_string(binding.queue) + ": " + queue.error().message};
    queues_.push_back(std::move(queue).value());
  }
  far_ends_ = backend_.open_pairs();
  for (const auto& queue : queues_) {
    const config::PublicInterface& side = *config.public_interface(queue.binding.queue);
    public_sides_.push_back({side.mac, side.ip});
    public_next_hops_.emplace_back(side.nexthop_ip);
  }
  if (options_.answer_neighbors) private_next_hop_.emplace(config.private_interface.nexthop_ip);
  return base::Ok{};
}

base::Result<ReplaySummary> ReplaySession::run() {
  summary_.start = clock_.now();
  const base::Nanoseconds end = options_.until ? summary_.start + *options_.until : base::kNever;
  for (;;) {
    if (!settle())
      return base::Error{"frames kept circulating at virtual time " + std::to_string(clock_.now()) +
                         " ns: the replay does not settle (a loop through --loopback-esp?)"};
    for (const auto& [input, path] : {std::pair{private_in_.get(), &options_.private_in},
                                      {public_in_.get(), &options_.public_in}})
      if (input && input->input_state() == io::PcapPort::InputState::kFailed)
        return base::Error{*path +
                           ": reading the capture failed: " + std::string(input->input_error())};
    for (io::PcapPort* output : {private_out_.get(), public_out_.get()})
      if (output->output_failed()) {
        if (auto flushed = output->flush(); !flushed) return flushed.error();
      }
    const base::Nanoseconds now = clock_.now();
    const base::Nanoseconds next_input =
        std::min(next_time(private_in_.get()), next_time(public_in_.get()));
    if (!options_.until && next_input == base::kNever) break;  // the inputs ended
    const base::Nanoseconds next = std::min(next_input, next_timer_due());
    if (next == base::kNever || next > end) {
      if (options_.until) clock_.set(std::max(now, end));
      break;
    }
    // Work that stays due after an instant settled (a solicitation that
    // found no free frame) is retried a microsecond later.
    clock_.set(std::max(next, now + 1000));
  }
  summary_.end = clock_.now();
  if (auto finished = finish(); !finished) return finished.error();
  return summary_;
}

bool ReplaySession::settle() {
  const base::Nanoseconds now = clock_.now();
  for (int round = 0; round < kMaxRoundsPerInstant; ++round) {
    std::size_t moved = 0;
    for (auto& queue : queues_) {
      if (queue.worker->next_timer_due() <= now) queue.worker->run_due_timers();
      moved += queue.worker->poll();
    }
    moved += collect_outputs();
    moved += deliver_injections();
    // The next input frames once everything else has settled.
    if (moved == 0 && deliver_inputs() == 0) return true;
  }
  return false;
}

std::size_t ReplaySession::deliver_injections() {
  std::size_t n = 0;
  for (; n < kBurst && !injections_.empty(); ++n) {
    const Injection& injection = injections_.front();
    deliver(injection.side, injection.queue, injection.frame.data(), injection.frame.size());
    injections_.pop_front();
  }
  return n;
}

std::size_t ReplaySession::deliver_inputs() {
  std::size_t moved = 0;
  if (private_in_) moved += deliver_from(*private_in_, Side::kPrivate);
  if (public_in_) moved += deliver_from(*public_in_, Side::kPublic);
  return moved;
}

std::size_t ReplaySession::deliver_from(io::PcapPort& input, Side side) {
  // A burst only when every queue's wire has room for it (the workers
  // drain a burst per poll).
  for (const auto& ends : far_ends_) {
    const io::MemoryPort* end = side == Side::kPrivate ? ends.first : ends.second;
    if (end->transmit_room() < kBurst) return 0;
  }
  io::Packet* burst[kBurst];
  const std::size_t n = input.receive(burst);
  for (std::size_t i = 0; i < n; ++i) {
    const std::span<const std::uint8_t> frame(burst[i]->data, burst[i]->length);
    const std::size_t queue = side == Side::kPrivate ? private_queue_index(frame, queues_.size())
                                                     : public_queue_index(frame, public_sides_);
    if (deliver(side, queue, frame.data(), frame.size()))
      ++(side == Side::kPrivate ? summary_.private_in : summary_.public_in);
    input.release(burst[i]);
  }
  return n;
}

bool ReplaySession::deliver(Side side, std::size_t queue, const std::uint8_t* data,
                            std::size_t length) {
  io::MemoryPort* end = side == Side::kPrivate ? far_ends_[queue].first : far_ends_[queue].second;
  if (length > end->max_frame_length()) {
    ++summary_.too_large;
    return false;
  }
  io::Packet* p = end->allocate();
  if (p == nullptr) {
    ++summary_.too_large;
    return false;
  }
  std::memcpy(p->data, data, length);
  p->length = static_cast<std::uint32_t>(length);
  end->transmit({&p, 1});
  return true;
}

std::size_t ReplaySession::collect_outputs() {
  std::size_t moved = 0;
  io::Packet* burst[kBurst];
  for (std::size_t q = 0; q < queues_.size(); ++q) {
    while (const std::size_t n = far_ends_[q].first->receive(burst)) {
      for (std::size_t i = 0; i < n; ++i)
        if (private_next_hop_) {
          auto answer = private_next_hop_->answer({burst[i]->data, burst[i]->length});
          if (!answer.empty()) {
            injections_.push_back({Side::kPrivate, q, std::move(answer)});
            ++summary_.neighbor_answers;
          }
        }
      private_out_->transmit({burst, n});
      summary_.private_out += n;
      moved += n;
    }
    while (const std::size_t n = far_ends_[q].second->receive(burst)) {
      for (std::size_t i = 0; i < n; ++i) {
        const io::Packet& p = *burst[i];
        if (options_.answer_neighbors) {
          auto answer = public_next_hops_[q].answer({p.data, p.length});
          if (!answer.empty()) {
            injections_.push_back({Side::kPublic, q, std::move(answer)});
            ++summary_.neighbor_answers;
          }
        }
        if (options_.loopback_esp && is_esp(p)) {
          std::vector<std::uint8_t> reflected(p.data, p.data + p.length);
          std::swap_ranges(reflected.begin(), reflected.begin() + 6, reflected.begin() + 6);
          const std::size_t to = public_queue_index(reflected, public_sides_);
          injections_.push_back({Side::kPublic, to, std::move(reflected)});
          ++summary_.reflected_esp;
        }
      }
      public_out_->transmit({burst, n});
      summary_.public_out += n;
      moved += n;
    }
  }
  return moved;
}

base::Nanoseconds ReplaySession::next_timer_due() const noexcept {
  base::Nanoseconds due = base::kNever;
  for (const auto& queue : queues_)
    due = std::min(due, queue.worker->next_timer_due());
  return due;
}

base::Status ReplaySession::finish() {
  std::vector<const worker::Worker*> workers;
  for (const auto& queue : queues_)
    workers.push_back(queue.worker.get());
  if (auto written = write_state_files(options_.out_dir, workers); !written) return written;
  for (io::PcapPort* output : {private_out_.get(), public_out_.get()})
    if (auto closed = output->close(); !closed) return closed;
  return base::Ok{};
}

}  // namespace strait::replay
