#pragma once
// Signals taken from a descriptor instead of by handlers: the constructor
// blocks them in the calling thread (threads started afterwards inherit the
// mask, so only this descriptor sees them) and opens a signalfd for them,
// to poll() beside other descriptors. The descriptor closes with the object;
// the signals stay blocked.

#include <initializer_list>

namespace strait::base {

class BlockedSignals {
 public:
  explicit BlockedSignals(std::initializer_list<int> signals);
  ~BlockedSignals();
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  // -1 if the signalfd could not be made (errno says why).
  int fd() const noexcept { return fd_; }
  // The next pending signal, taken; 0 when none is pending.
  int take() const noexcept;

 private:
  int fd_ = -1;
};

}  // namespace strait::base
