// Fuzz target: io::PcapPort reading a capture (strait replay's and the
// conformance cases' input), classic pcap or pcapng. The input is the
// file; it is read from a memfd.
//
// Properties beyond "no crash, no sanitizer report, no leak":
// * Reading ends, as kEnded or as kFailed with a message.
// * Written to an output capture (transmit) and read back, the frames are
//   the same frames, and that capture reads to its end without error.
// * Paced by timestamps (a clock set to next_frame_time() each time, as
//   strait replay runs it), the same frames come out in the same order.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.hpp"
#include "base/log.hpp"
#include "fuzz_check.hpp"
#include "io/frame_pool.hpp"
#include "io/pcap_port.hpp"

using namespace strait;
using fuzz::check;
using Frame = std::vector<std::uint8_t>;

namespace {

// A memory file holding `size` bytes, at /proc/self/fd/N; closed at the end.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(memfd_create("fuzz.pcap", 0)) {
    check(fd_ >= 0, "memfd_create failed");
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n = write(fd_, data + done, size - done);
      check(n > 0, "writing the memfd failed");
      done += static_cast<std::size_t>(n);
    }
  }
  ~MemoryFile() { close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

io::FramePool& pool() {
  static const auto p = io::FramePool::create(4096, 64);
  check(p.ok(), "no frame pool");
  return **p;
}

Frame copy(const io::Packet* p) {
  return Frame(p->data, p->data + p->length);
}

// Every frame of `path` in file order, each also transmitted to `port`'s
// output when `echo` is given; the bound stops a reader that would not end.
std::vector<Frame> read_all(io::PcapPort& port, std::size_t bound, io::PcapPort* echo) {
  std::vector<Frame> frames;
  io::Packet* burst[16];
  for (std::size_t round = 0; round < bound; ++round) {
    const std::size_t n = port.receive(burst);
    for (std::size_t i = 0; i < n; ++i) {
      frames.push_back(copy(burst[i]));
      if (echo != nullptr)
        echo->transmit({&burst[i], 1});
      else
        port.release(burst[i]);
    }
    if (n == 0) break;
  }
  check(port.input_state() != io::PcapPort::InputState::kReading, "a capture did not end");
  return frames;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  base::set_log_muted(true);
  pool();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const MemoryFile input(data, size);
  const MemoryFile output(nullptr, 0);
  base::ManualClock clock(1'000'000'000);
  // A capture holds at most one frame per 16 bytes (a record header).
  const std::size_t bound = size / 16 + 2;

  auto reader = io::PcapPort::open(pool(), input.path(), output.path(), clock);
  if (!reader) {
    check(!reader.error().message.empty(), "an open error without a message");
    return 0;
  }
  const std::vector<Frame> frames = read_all(**reader, bound, reader->get());
  if ((*reader)->input_state() == io::PcapPort::InputState::kFailed)
    check(!(*reader)->input_error().empty(), "a read error without a message");
  check((*reader)->close().ok(), "writing the output capture failed");
  reader->reset();
  check(pool().available() == pool().count(), "frames were not given back to the pool");

  auto written = io::PcapPort::open(pool(), output.path(), "", clock);
  check(written.ok(), "the output capture does not open");
  const std::vector<Frame> again = read_all(**written, frames.size() + 2, nullptr);
  check((*written)->input_state() == io::PcapPort::InputState::kEnded,
        "the output capture does not read to its end");
  check(again == frames, "the output capture holds other frames");
  written->reset();

  auto paced =
      io::PcapPort::open(pool(), input.path(), "", clock, io::PcapPort::Pacing::kTimestamps);
  check(paced.ok(), "the capture does not open a second time");
  std::vector<Frame> in_time;
  io::Packet* burst[16];
  for (std::size_t round = 0; round < bound; ++round) {
    const base::Nanoseconds next = (*paced)->next_frame_time();
    if (next == base::kNever) break;
    clock.set(next);
    const std::size_t n = (*paced)->receive(burst);
    check(n > 0, "a frame due now was not received");
    for (std::size_t i = 0; i < n; ++i) {
      in_time.push_back(copy(burst[i]));
      (*paced)->release(burst[i]);
    }
  }
  check(in_time == frames, "paced by timestamps, the capture gives other frames");
  return 0;
}
