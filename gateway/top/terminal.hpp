#pragma once
// The terminal while `strait top` runs full screen: alternate screen,
// hidden cursor, keys read one at a time without echo; everything is
// restored by the destructor (also on SIGINT / SIGTERM, which the caller
// turns into a normal return through stop_requested()).

#include <termios.h>

#include <string>
#include <vector>

namespace strait::top {

class Terminal {
 public:
  // Takes over the terminal on `in` / `out` (both must be terminals).
  Terminal(int in, int out);
  ~Terminal();
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Columns and rows (TIOCGWINSZ; 80 x 24 if unknown).
  void size(int& width, int& height) const;
  // Redraws the whole screen with `lines`.
  void draw(const std::vector<std::string>& lines) const;
  // Waits up to `timeout_ms` for a key; the key, 0 on timeout, -1 if a
  // signal (SIGWINCH, SIGINT...) interrupted the wait.
  int wait_key(int timeout_ms) const;

  // Installs handlers for SIGINT, SIGTERM, SIGHUP (stop) and SIGWINCH
  // (resized).
  static void install_signal_handlers();
  static bool stop_requested() noexcept;
  static bool take_resized() noexcept;

 private:
  int in_;
  int out_;
  termios saved_{};
  bool restore_ = false;
};

}  // namespace strait::top
