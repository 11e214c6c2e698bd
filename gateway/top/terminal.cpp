#include "top/terminal.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string_view>

namespace strait::top {

namespace {

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_resized = 0;

void on_stop(int) {
  g_stop = 1;
}
void on_resize(int) {
  g_resized = 1;
}

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

Terminal::Terminal(int in, int out) : in_(in), out_(out) {
  if (tcgetattr(in_, &saved_) == 0) {
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);  // ISIG stays: ^C is SIGINT
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    restore_ = tcsetattr(in_, TCSANOW, &raw) == 0;
  }
  write_all(out_, "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");  // alternate screen, no cursor
}

Terminal::~Terminal() {
  write_all(out_, "\x1b[?25h\x1b[?1049l");
  if (restore_) tcsetattr(in_, TCSANOW, &saved_);
}

void Terminal::size(int& width, int& height) const {
  winsize ws{};
  if (ioctl(out_, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    width = ws.ws_col;
    height = ws.ws_row;
  } else {
    width = 80;
    height = 24;
  }
}

void Terminal::draw(const std::vector<std::string>& lines) const {
  std::string frame = "\x1b[H";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    frame += lines[i];
    frame += "\x1b[K";  // clear the rest of the line
    if (i + 1 < lines.size()) frame += "\r\n";
  }
  frame += "\x1b[J";  // and below
  write_all(out_, frame);
}

int Terminal::wait_key(int timeout_ms) const {
  pollfd p{in_, POLLIN, 0};
  const int n = poll(&p, 1, timeout_ms);
  if (n < 0) return -1;
  if (n == 0) return 0;
  unsigned char c = 0;
  if (read(in_, &c, 1) != 1) return -1;
  return c;
}

void Terminal::install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop;
  sigemptyset(&action.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP})
    sigaction(s, &action, nullptr);
  action.sa_handler = on_resize;
  sigaction(SIGWINCH, &action, nullptr);
}

bool Terminal::stop_requested() noexcept {
  return g_stop != 0;
}

bool Terminal::take_resized() noexcept {
  const bool resized = g_resized != 0;
  g_resized = 0;
  return resized;
}

}  // namespace strait::top
