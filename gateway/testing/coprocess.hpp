#pragma once
// A child process driven line by line over two pipes: a test writes one
// command line to its stdin and reads one answer line from its stdout
// (e.g. conformance/vita_ske_peer.py). Its stderr is inherited. Test code
// only: failures throw std::runtime_error with the reason.

#include <sys/types.h>
#include <string>
#include <vector>

namespace strait::testing {

class Coprocess {
 public:
  // Starts `argv[0]` (an absolute path, not searched in PATH) with `argv`.
  // Throws if the program does not exist or cannot be started.
  explicit Coprocess(const std::vector<std::string>& argv);
  // Closes its stdin (end of input) and waits for it to exit.
  ~Coprocess();
  Coprocess(const Coprocess&) = delete;
  Coprocess& operator=(const Coprocess&) = delete;

  // Writes `line` and a newline, returns the next line of output without
  // its newline. Throws if the child has exited or closed its output, or
  // if no line comes within `timeout_ms` milliseconds.
  std::string request(const std::string& line, int timeout_ms = 10000);

  // Closes stdin and waits; returns the exit status (or -1 when killed by
  // a signal). Idempotent.
  int finish();

 private:
  std::string read_line(int timeout_ms);

  pid_t pid_ = -1;
  int to_child_ = -1;    // its stdin
  int from_child_ = -1;  // its stdout
  std::string buffer_;   // read but not yet returned
  int status_ = -1;
  std::string name_;
};

}  // namespace strait::testing
