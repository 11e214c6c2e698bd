#include "cli/keygen_command.hpp"

#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/secret.hpp"
#include "cli/argument_reader.hpp"

namespace strait::cli {

namespace {

constexpr const char* kUsage =
    "usage: strait keygen\n"
    "  Prints a new random pre-shared key: 32 bytes from the kernel's random\n"
    "  source (libsodium's randombytes_buf, getrandom(2)) as the 64 lowercase hex\n"
    "  digits a route's preshared-key takes, and a newline; as vita --keygen does.\n"
    "  The key stays in locked memory and is wiped once written. Both gateways\n"
    "  of a route take the same key; keep the files that hold it readable by\n"
    "  their owner alone (chmod 600).\n";

constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kHexDigits = 2 * kKeyBytes;

}  // namespace

std::string_view keygen_usage() {
  return kUsage;
}

bool write_new_key(int fd) {
  if (sodium_init() < 0) {
    errno = EIO;
    return false;
  }
  base::Secret<kKeyBytes> key;
  // The digits, sodium_bin2hex's terminating NUL, then replaced by '\n'.
  base::Secret<kHexDigits + 1> text;
  randombytes_buf(key.data(), kKeyBytes);
  sodium_bin2hex(reinterpret_cast<char*>(text.data()), kHexDigits + 1, key.data(), kKeyBytes);
  text.data()[kHexDigits] = '\n';
  std::size_t written = 0;
  while (written < kHexDigits + 1) {
    const ssize_t n = ::write(fd, text.data() + written, kHexDigits + 1 - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

int keygen_command(int argc, char** argv) {
  const ArgumentReader reader("strait keygen", kUsage);
  if (auto done = reader.read(argc, argv)) return *done;
  std::fflush(stdout);
  if (!write_new_key(STDOUT_FILENO)) {
    std::fprintf(stderr, "strait keygen: writing standard output: %s\n", std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace strait::cli
