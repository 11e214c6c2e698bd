#pragma once
// pcap backend: receives the frames of an input capture (one per receive
// slot, in file order) and appends transmitted frames to an output capture
// (classic pcap, microsecond timestamps: what every tool reads). Either
// side may be absent. Used to drive a gateway with recorded traffic and
// compare what it sends (pcap_replay_test, `strait replay`, conformance).
//
// Pacing: kFileOrder hands out every frame as fast as receive() asks;
// kTimestamps only the frames whose capture timestamp has come on the
// clock (virtual time: `strait replay` sets its clock to
// next_frame_time()).
//
// Errors are never taken for the end of the input or a successful write:
// * Input: a read error (a truncated or corrupt capture) ends the input
//   with input_state() kFailed (the end of the file is kEnded), libpcap's
//   message in input_error(), and one rxerrors. Frames the capture
//   truncated, or larger than a pool frame, are counted as rxdrop.
// * Output: frames are buffered; flush() and close() return an error naming
//   the file when the capture could not take them (disk full, I/O error),
//   as does transmit() through output_failed() as soon as a buffered write
//   fails. Every frame written since the last successful flush then counts
//   as txerrors (it may not be in the file), and every frame transmitted
//   after the failure or after close() as txdrop. The destructor closes an
//   output still open and logs a failure; callers that need to know close()
//   first.
//
// Order of the output: the capture holds the frames in the order the
// gateway transmitted them on this port; timestamps are the clock's at the
// transmit. What a worker guarantees about that order (worker.hpp, one
// poll() at a time): the frames of one kind leave in the order of the input
// frames that caused them (ARP/ND replies in the order of the requests,
// echo replies in the order of the echo requests, forwarded packets of a
// flow in their order), and the frames of one poll leave before those of
// the next. Between kinds handled by different stages within one poll
// there is no promised order (an ARP reply is sent as dispatch meets the
// request, an echo reply with the rest of the poll's output): compare
// outputs kind by kind, not by position across kinds.

#include <pcap/pcap.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "base/clock.hpp"
#include "base/result.hpp"
#include "io/frame_pool.hpp"
#include "io/port.hpp"

namespace strait::io {

class PcapPort final : public Port {
 public:
  enum class Pacing : std::uint8_t { kFileOrder, kTimestamps };

  // input_path / output_path may be empty. Timestamps written to the output
  // come from `clock` (virtual time in tests).
  static base::Result<std::unique_ptr<PcapPort>> open(FramePool& pool,
                                                      const std::string& input_path,
                                                      const std::string& output_path,
                                                      const base::Clock& clock,
                                                      Pacing pacing = Pacing::kFileOrder);
  ~PcapPort() override;

  Packet* allocate() noexcept override { return pool_.allocate(); }
  void release(Packet* packet) noexcept override { packet->pool->release(packet); }
  std::size_t max_frame_length() const noexcept override { return pool_.max_frame_length(); }

  enum class InputState : std::uint8_t {
    kReading,  // frames may follow
    kEnded,    // every frame of the input was received (or there is no input)
    kFailed,   // reading the input failed: see input_error()
  };
  InputState input_state() const noexcept {
    return held_ != nullptr ? InputState::kReading : input_state_;
  }
  // The capture timestamp (nanoseconds since the epoch) of the next input
  // frame, reading it ahead; base::kNever at the end of the input or once
  // reading failed.
  base::Nanoseconds next_frame_time() noexcept;
  // libpcap's message for the read error (empty unless kFailed).
  std::string_view input_error() const noexcept { return input_error_; }

  // True once writing the output failed (flush() and close() then say how).
  bool output_failed() const noexcept { return output_failed_; }
  // Writes buffered output frames to the file.
  base::Status flush();
  // Flushes and closes the output (transmitted frames then count as
  // txdrop). Ok with no output; called again, says what the first said.
  base::Status close();

 protected:
  std::size_t do_receive(std::span<Packet*> out) noexcept override;
  std::size_t do_transmit(std::span<Packet* const> packets) noexcept override;

 private:
  PcapPort(FramePool& pool, pcap_t* input, pcap_t* dead, pcap_dumper_t* output,
           std::string output_path, const base::Clock& clock, Pacing pacing)
      : pool_(pool),
        input_(input),
        dead_(dead),
        output_(output),
        output_path_(std::move(output_path)),
        clock_(clock),
        pacing_(pacing),
        input_state_(input ? InputState::kReading : InputState::kEnded) {}
  // Reads the next frame the input holds into held_ (frames the capture
  // truncated, or too large, are counted and skipped); false at the end or
  // on a read error (input_state_ says which).
  bool read_ahead() noexcept;
  // The output could not take what was written since the last successful
  // flush: counts it as txerrors and refuses further frames.
  void fail_output(int error) noexcept;

  FramePool& pool_;
  pcap_t* input_;
  pcap_t* dead_;
  pcap_dumper_t* output_;
  std::string output_path_;
  const base::Clock& clock_;
  Pacing pacing_;
  InputState input_state_;
  Packet* held_ = nullptr;  // the next input frame, read ahead
  base::Nanoseconds held_time_ = 0;
  char input_error_[PCAP_ERRBUF_SIZE] = {};
  bool output_failed_ = false;
  int output_errno_ = 0;
  std::uint64_t unflushed_ = 0;  // frames written since the last successful flush
};

// kReading, kEnded or kFailed (test and error messages).
std::ostream& operator<<(std::ostream& os, PcapPort::InputState state);

}  // namespace strait::io
