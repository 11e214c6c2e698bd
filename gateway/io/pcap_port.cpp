#include "io/pcap_port.hpp"

#include <cstring>

namespace strait::io {

base::Result<std::unique_ptr<PcapPort>> PcapPort::open(FramePool& pool,
                                                       const std::string& input_path,
                                                       const std::string& output_path,
                                                       const base::Clock& clock) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* input = nullptr;
  if (!input_path.empty()) {
    input = pcap_open_offline(input_path.c_str(), error);
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
    dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
    output = dead ? pcap_dump_open(dead, output_path.c_str()) : nullptr;
    if (output == nullptr) {
      std::string why = dead ? pcap_geterr(dead) : "cannot create pcap handle";
      if (dead) pcap_close(dead);
      if (input) pcap_close(input);
      return base::Error{output_path + ": " + why};
    }
  }
  return std::unique_ptr<PcapPort>(new PcapPort(pool, input, dead, output, clock));
}

PcapPort::~PcapPort() {
  if (output_) pcap_dump_close(output_);
  if (dead_) pcap_close(dead_);
  if (input_) pcap_close(input_);
}

void PcapPort::flush() noexcept {
  if (output_) pcap_dump_flush(output_);
}

std::size_t PcapPort::do_receive(std::span<Packet*> out) noexcept {
  if (input_ == nullptr || exhausted_) return 0;
  std::size_t n = 0;
  while (n < out.size()) {
    pcap_pkthdr* header;
    const u_char* bytes;
    const int rc = pcap_next_ex(input_, &header, &bytes);
    if (rc != 1) {
      exhausted_ = true;  // end of file or read error: nothing more to deliver
      if (rc == PCAP_ERROR) ++counters().rxerrors;
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
    out[n++] = p;
  }
  return n;
}

std::size_t PcapPort::do_transmit(std::span<Packet* const> packets) noexcept {
  const base::Nanoseconds now = clock_.now();
  for (Packet* p : packets) {
    if (output_) {
      pcap_pkthdr header{};
      header.ts.tv_sec = static_cast<time_t>(now / base::kSecond);
      // Nanosecond-precision dumper: tv_usec carries nanoseconds.
      header.ts.tv_usec = static_cast<suseconds_t>(now % base::kSecond);
      header.caplen = header.len = p->length;
      pcap_dump(reinterpret_cast<u_char*>(output_), &header, p->data);
    }
    release(p);
  }
  return packets.size();
}

}  // namespace strait::io
