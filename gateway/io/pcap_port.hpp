#pragma once
// pcap backend: receives the frames of an input capture (one per receive
// slot, in file order) and appends transmitted frames to an output capture.
// Either side may be absent. Used by conformance/run to drive a gateway with
// recorded traffic and compare what it sends.

#include <pcap/pcap.h>

#include <memory>
#include <string>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "io/frame_pool.hpp"
#include "io/port.hpp"

namespace strait::io {

class PcapPort final : public Port {
 public:
  // input_path / output_path may be empty. Timestamps written to the output
  // come from `clock` (virtual time in tests).
  static base::Result<std::unique_ptr<PcapPort>> open(FramePool& pool,
                                                      const std::string& input_path,
                                                      const std::string& output_path,
                                                      const base::Clock& clock);
  ~PcapPort() override;

  Packet* allocate() noexcept override { return pool_.allocate(); }
  void release(Packet* packet) noexcept override { packet->pool->release(packet); }
  std::size_t max_frame_length() const noexcept override { return pool_.max_frame_length(); }

  // True once every frame of the input has been received.
  bool input_exhausted() const noexcept { return input_ == nullptr || exhausted_; }
  // Writes buffered output frames to the file. (Input frames larger than a
  // pool frame, or truncated by the capture, are counted as rxdrop.)
  void flush() noexcept;

 protected:
  std::size_t do_receive(std::span<Packet*> out) noexcept override;
  std::size_t do_transmit(std::span<Packet* const> packets) noexcept override;

 private:
  PcapPort(FramePool& pool, pcap_t* input, pcap_t* dead, pcap_dumper_t* output,
           const base::Clock& clock)
      : pool_(pool), input_(input), dead_(dead), output_(output), clock_(clock) {}

  FramePool& pool_;
  pcap_t* input_;
  pcap_t* dead_;
  pcap_dumper_t* output_;
  const base::Clock& clock_;
  bool exhausted_ = false;
};

}  // namespace strait::io
