#include "io/pcap_port.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>

#include "base/log.hpp"

namespace strait::io {

base::Result<std::unique_ptr<PcapPort>> PcapPort::open(FramePool& pool,
                                                       const std::string& input_path,
                                                       const std::string& output_path,
                                                       const base::Clock& clock, Pacing pacing) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* input = nullptr;
  if (!input_path.empty()) {
    // Nanosecond timestamps whatever the file's precision.
    input = pcap_open_offline_with_tstamp_precision(input_path.c_str(), PCAP_TSTAMP_PRECISION_NANO,
                                                    error);
    if (input == nullptr) return base::Error{input_path + ": " + error};
    const int link_type = pcap_datalink(input);
    if (link_type != DLT_EN10MB) {
      pcap_close(input);
      return base::Error{input_path + ": not an Ethernet capture (link type " +
                         std::to_string(link_type) + ")"};
    }
  }
  pcap_t* dead = nullptr;
  pcap_dumper_t* output = nullptr;
  if (!output_path.empty()) {
    dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_MICRO);
    output = dead ? pcap_dump_open(dead, output_path.c_str()) : nullptr;
    if (output == nullptr) {
      std::string why = dead ? pcap_geterr(dead) : "cannot create pcap handle";
      if (dead) pcap_close(dead);
      if (input) pcap_close(input);
      return base::Error{output_path + ": " + why};
    }
  }
  return std::unique_ptr<PcapPort>(
      new PcapPort(pool, input, dead, output, output_path, clock, pacing));
}

PcapPort::~PcapPort() {
  if (output_) {
    if (auto closed = close(); !closed)
      base::write_log_line(base::LogLevel::kError, closed.error().message);
  }
  if (held_) release(held_);
  if (dead_) pcap_close(dead_);
  if (input_) pcap_close(input_);
}

void PcapPort::fail_output(int error) noexcept {
  if (output_failed_) return;
  output_failed_ = true;
  output_errno_ = error != 0 ? error : EIO;
  counters().txerrors += unflushed_;
  unflushed_ = 0;
}

base::Status PcapPort::flush() {
  if (output_ && !output_failed_) {
    errno = 0;
    if (pcap_dump_flush(output_) != 0 || std::ferror(pcap_dump_file(output_)))
      fail_output(errno);
    else
      unflushed_ = 0;
  }
  if (output_failed_)
    return base::Error{output_path_ + ": writing the capture failed (" +
                       std::strerror(output_errno_) + ")"};
  return base::Ok{};
}

base::Status PcapPort::close() {
  if (output_ == nullptr) return flush();  // closed before (or none): how that went
  base::Status status = flush();
  // The flush wrote everything: fclose() (inside) has nothing left to write.
  pcap_dump_close(output_);
  output_ = nullptr;
  return status;
}

bool PcapPort::read_ahead() noexcept {
  while (input_state_ == InputState::kReading) {
    pcap_pkthdr* header;
    const u_char* bytes;
    const int rc = pcap_next_ex(input_, &header, &bytes);
    if (rc == PCAP_ERROR_BREAK) {  // offline: the end of the file
      input_state_ = InputState::kEnded;
      break;
    }
    if (rc != 1) {  // PCAP_ERROR (read error, corrupt record), or anything unexpected
      input_state_ = InputState::kFailed;
      const char* why = rc == PCAP_ERROR ? pcap_geterr(input_) : "unexpected pcap_next_ex result";
      std::snprintf(input_error_, sizeof input_error_, "%s", why);
      ++counters().rxerrors;
      break;
    }
    if (header->caplen != header->len || header->caplen > pool_.max_frame_length()) {
      ++counters().rxdrop;  // truncated by the capture, or larger than a frame
      continue;
    }
    Packet* p = pool_.allocate();
    if (p == nullptr) {
      ++counters().rxdrop;
      continue;
    }
    std::memcpy(p->data, bytes, header->caplen);
    p->length = header->caplen;
    held_ = p;
    // Opened with nanosecond precision: tv_usec carries nanoseconds.
    held_time_ = static_cast<base::Nanoseconds>(header->ts.tv_sec) * base::kSecond +
                 static_cast<base::Nanoseconds>(header->ts.tv_usec);
    return true;
  }
  return false;
}

base::Nanoseconds PcapPort::next_frame_time() noexcept {
  if (held_ == nullptr && !read_ahead()) return base::kNever;
  return held_time_;
}

std::size_t PcapPort::do_receive(std::span<Packet*> out) noexcept {
  std::size_t n = 0;
  while (n < out.size()) {
    if (held_ == nullptr && !read_ahead()) break;
    if (pacing_ == Pacing::kTimestamps && held_time_ > clock_.now()) break;
    out[n++] = held_;
    held_ = nullptr;
  }
  return n;
}

std::size_t PcapPort::do_transmit(std::span<Packet* const> packets) noexcept {
  if (output_path_.empty()) {  // no output capture: transmitted frames go nowhere
    for (Packet* p : packets)
      release(p);
    return packets.size();
  }
  // Closed, or failed: the caller counts the frames as txdrop.
  if (output_ == nullptr || output_failed_) return 0;
  const base::Nanoseconds now = clock_.now();
  std::size_t sent = 0;
  for (Packet* p : packets) {
    pcap_pkthdr header{};
    header.ts.tv_sec = static_cast<time_t>(now / base::kSecond);
    header.ts.tv_usec = static_cast<suseconds_t>(now % base::kSecond / 1000);
    header.caplen = header.len = p->length;
    errno = 0;
    pcap_dump(reinterpret_cast<u_char*>(output_), &header, p->data);
    ++unflushed_;
    release(p);
    ++sent;
    // A buffered write to the file failed: this frame and those before it
    // since the last flush may be lost; the rest of the batch is dropped.
    if (std::ferror(pcap_dump_file(output_))) {
      fail_output(errno);
      break;
    }
  }
  return sent;
}

std::ostream& operator<<(std::ostream& os, PcapPort::InputState state) {
  switch (state) {
    case PcapPort::InputState::kReading:
      return os << "kReading";
    case PcapPort::InputState::kEnded:
      return os << "kEnded";
    case PcapPort::InputState::kFailed:
      return os << "kFailed";
  }
  return os << "InputState(" << static_cast<int>(state) << ")";
}

}  // namespace strait::io
